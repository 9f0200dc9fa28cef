set terminal pngcairo size 1400,600 font 'sans,10'
set output '2026-11-22-1429.png'
set multiplot layout 1,2 title 'Fjord vs NATS JetStream vs Redis Streams, 2026-11-22T14:23:00Z'
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set key top right
set grid ytics
set xtics rotate by -20
$throughput << EOD
"produce 1 KiB" 983.22 915.25 1046.16 860.09 845.67 908.35 118.99 98.72 120.99 157.17 155.43 178.15
"consume 1 KiB" 1557.81 1457.87 1913.87 NaN NaN NaN 285.36 264.92 318.77 575.15 569.54 701.91
"produce 100 B" 348.07 316.76 400.59 388.31 287.49 390.83 16.34 13.16 19.45 35.63 32.08 40.53
"consume 100 B" 219.6 144.87 226.49 NaN NaN NaN 58.98 49.93 67.78 87.7 82.69 91.29
"produce 1 KiB 12p×4" 546.03 385.69 659.68 NaN NaN NaN 117.18 98.86 118.67 142.87 134.53 145.53
EOD
set title 'Throughput, MB/s (median; bars: min–max)'
set yrange [0:*]
plot $throughput using 2:3:4:xtic(1) title 'Fjord acks=1' lc rgb '#7b2cbf', '' using 5:6:7 title 'Fjord acks=all' lc rgb '#c77dff', '' using 8:9:10 title 'NATS JetStream' lc rgb '#2a9d8f', '' using 11:12:13 title 'Redis Streams' lc rgb '#e76f51'
$latency << EOD
"p50" 0.711 0.671 0.803 0.903 0.863 0.995 0.11 0.09 0.128
"p99" 2.023 1.703 42.495 18.687 14.271 22.271 0.631 0.365 1.847
"p99.9" 6.271 4.863 74.751 35.327 24.575 40.959 3.375 2.751 4.127
"max" 12.016 8.318 83.801 42.71 27.382 45.739 5.962 4.533 6.211
EOD
set title 'End-to-end latency at a fixed rate, ms (log scale)'
set logscale y
set yrange [*:*]
set key top left
set xtics norotate
plot $latency using 2:3:4:xtic(1) title 'Fjord acks=1' lc rgb '#7b2cbf', '' using 5:6:7 title 'NATS JetStream' lc rgb '#2a9d8f', '' using 8:9:10 title 'Redis Streams' lc rgb '#e76f51'
unset multiplot
