set terminal pngcairo size 1400,600 font 'sans,10'
set output '2026-11-22-1323.png'
set multiplot layout 1,2 title 'Fjord vs NATS JetStream vs Redis Streams, 2026-11-22T13:12:50Z'
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set key top right
set grid ytics
set xtics rotate by -20
$throughput << EOD
"produce 1 KiB" 431.4 182.79 476.52 232.86 177.9 388.03 64.51 63.73 67.85 75.55 69.22 95.74
"consume 1 KiB" 319.84 249.4 726.38 NaN NaN NaN 141.35 133.76 193.25 219.45 217.82 339.07
"produce 100 B" 96.38 66.45 103.79 86.91 80.79 115.69 9.13 9.03 10.63 22.39 18.27 37.6
"consume 100 B" 49.46 33.1 93.41 NaN NaN NaN 26.97 26.49 33.64 70.06 63.52 86.28
"produce 1 KiB 12p×4" 227.78 164.69 252.29 NaN NaN NaN 75.28 64.97 82.66 80.07 73.4 102.19
EOD
set title 'Throughput, MB/s (median; bars: min–max)'
set yrange [0:*]
plot $throughput using 2:3:4:xtic(1) title 'Fjord acks=1' lc rgb '#7b2cbf', '' using 5:6:7 title 'Fjord acks=all' lc rgb '#c77dff', '' using 8:9:10 title 'NATS JetStream' lc rgb '#2a9d8f', '' using 11:12:13 title 'Redis Streams' lc rgb '#e76f51'
$latency << EOD
"p50" 7.871 5.183 8.767 1.055 0.907 1.223 0.143 0.124 0.191
"p99" 63.743 33.791 120.831 32.511 14.911 75.775 5.215 4.063 6.207
"p99.9" 119.295 101.887 202.751 82.943 27.007 105.471 11.199 6.239 22.015
"max" 124.73 111.304 212.11 91.151 31.221 116.666 13.921 7.832 31.088
EOD
set title 'End-to-end latency at a fixed rate, ms (log scale)'
set logscale y
set yrange [*:*]
set key top left
set xtics norotate
plot $latency using 2:3:4:xtic(1) title 'Fjord acks=1' lc rgb '#7b2cbf', '' using 5:6:7 title 'NATS JetStream' lc rgb '#2a9d8f', '' using 8:9:10 title 'Redis Streams' lc rgb '#e76f51'
unset multiplot
