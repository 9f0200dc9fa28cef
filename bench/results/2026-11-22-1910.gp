set terminal pngcairo size 1400,600 font 'sans,10'
set output '2026-11-22-1910.png'
set multiplot layout 1,2 title 'Fjord vs NATS JetStream vs Redis Streams, 2026-11-22T19:03:47Z'
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set key top right
set grid ytics
set xtics rotate by -20
$throughput << EOD
"produce 1 KiB" 1247.26 1118.33 1336.49 748.1 517.69 935.66 138.72 136.46 150.66 187.81 174.98 193.9
"consume 1 KiB" 1763.39 1568.2 2075.02 NaN NaN NaN 383.2 367.31 395.87 733.08 718.94 752.05
"produce 100 B" 196.03 176.36 262.04 235.88 169.09 251.72 23.99 18.5 24.35 44.0 42.46 44.09
"consume 100 B" 217.04 200.41 221.33 NaN NaN NaN 88.77 72.3 94.47 121.14 105.28 123.05
"produce 1 KiB 12p×4" 593.67 454.46 596.59 NaN NaN NaN 132.46 124.58 138.69 126.86 124.5 145.97
EOD
set title 'Throughput, MB/s (median; bars: min–max)'
set yrange [0:*]
plot $throughput using 2:3:4:xtic(1) title 'Fjord acks=1' lc rgb '#7b2cbf', '' using 5:6:7 title 'Fjord acks=all' lc rgb '#c77dff', '' using 8:9:10 title 'NATS JetStream' lc rgb '#2a9d8f', '' using 11:12:13 title 'Redis Streams' lc rgb '#e76f51'
$latency << EOD
"p50" 0.579 0.559 0.683 0.699 0.667 0.735 0.795 0.791 0.803 0.091 0.081 0.096 0.244 0.203 0.257
"p99" 1.423 1.359 2.383 1.767 1.439 1.999 9.983 3.391 12.863 0.341 0.305 0.377 0.583 0.389 0.747
"p99.9" 3.263 2.511 12.479 5.887 2.751 30.975 24.063 7.967 30.335 1.775 1.751 1.799 1.375 0.947 3.999
"max" 6.072 5.328 21.912 11.519 5.408 39.189 31.8 12.158 39.598 4.484 4.068 4.867 4.569 2.695 7.487
EOD
set title 'End-to-end latency at a fixed rate, ms (log scale)'
set logscale y
set yrange [*:*]
set key top left
set xtics norotate
plot $latency using 2:3:4:xtic(1) title 'Fjord acks=1' lc rgb '#7b2cbf', '' using 5:6:7 title 'Fjord acks=all' lc rgb '#c77dff', '' using 8:9:10 title 'NATS JetStream' lc rgb '#2a9d8f', '' using 11:12:13 title 'Redis Streams' lc rgb '#e76f51', '' using 14:15:16 title 'durable floor (limit)' lc rgb '#adb5bd'
unset multiplot
