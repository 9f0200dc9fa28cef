set terminal pngcairo size 1400,600 font 'sans,10'
set output '2026-11-23-0050.png'
set multiplot layout 1,2 title 'Fjord vs NATS JetStream vs Redis Streams, 2026-11-23T00:43:20Z'
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set key top right
set grid ytics
set xtics rotate by -20
$throughput << EOD
"produce 1 KiB" 1047.85 978.53 1114.0 912.52 831.8 934.44 132.88 122.73 136.15 157.44 142.29 171.22
"consume 1 KiB" 1596.78 1562.31 1733.87 NaN NaN NaN 361.84 346.31 374.74 634.33 563.33 689.35
"produce 100 B" 308.19 284.93 354.47 305.24 288.84 376.22 18.2 17.17 21.29 38.06 32.74 38.42
"consume 100 B" 213.14 188.07 216.76 NaN NaN NaN 68.6 62.67 80.63 89.96 83.11 98.53
"produce 1 KiB 12p×4" 644.19 504.52 963.35 NaN NaN NaN 119.49 107.67 133.11 137.32 126.28 164.43
EOD
set title 'Throughput, MB/s (median; bars: min–max)'
set yrange [0:*]
plot $throughput using 2:3:4:xtic(1) title 'Fjord acks=1' lc rgb '#7b2cbf', '' using 5:6:7 title 'Fjord acks=all' lc rgb '#c77dff', '' using 8:9:10 title 'NATS JetStream' lc rgb '#2a9d8f', '' using 11:12:13 title 'Redis Streams' lc rgb '#e76f51'
$latency << EOD
"p50" 0.433 0.427 0.483 0.547 0.483 0.607 0.879 0.823 0.903 0.107 0.092 0.123 0.182 0.163 0.184
"p99" 1.231 1.127 1.591 1.271 1.207 1.951 11.839 11.199 15.167 0.453 0.389 0.505 0.369 0.339 0.519
"p99.9" 7.391 3.039 51.199 7.007 3.663 7.135 25.983 23.423 28.543 2.287 2.255 2.447 1.623 0.927 3.567
"max" 13.9 6.519 60.989 9.572 6.015 14.175 31.014 28.03 35.084 4.618 4.285 5.712 6.708 4.753 10.583
EOD
set title 'End-to-end latency at a fixed rate, ms (log scale)'
set logscale y
set yrange [*:*]
set key top left
set xtics norotate
plot $latency using 2:3:4:xtic(1) title 'Fjord acks=1' lc rgb '#7b2cbf', '' using 5:6:7 title 'Fjord acks=all' lc rgb '#c77dff', '' using 8:9:10 title 'NATS JetStream' lc rgb '#2a9d8f', '' using 11:12:13 title 'Redis Streams' lc rgb '#e76f51', '' using 14:15:16 title 'durable floor (limit)' lc rgb '#adb5bd'
unset multiplot
