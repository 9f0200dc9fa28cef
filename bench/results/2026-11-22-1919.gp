set terminal pngcairo size 1400,600 font 'sans,10'
set output '2026-11-22-1919.png'
set multiplot layout 1,2 title 'Fjord vs NATS JetStream vs Redis Streams, 2026-11-22T19:13:09Z'
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set key top right
set grid ytics
set xtics rotate by -20
$throughput << EOD
"produce 1 KiB" 1316.93 942.86 1343.31 684.75 419.92 764.13 147.58 137.67 155.58 189.91 179.22 196.47
"consume 1 KiB" 1968.0 1776.76 2023.06 NaN NaN NaN 372.89 370.54 386.33 775.9 741.86 777.14
"produce 100 B" 269.53 263.9 386.6 307.27 274.5 339.88 22.74 21.19 23.72 46.38 41.59 46.55
"consume 100 B" 217.92 215.83 221.74 NaN NaN NaN 87.73 87.27 89.41 125.59 104.36 129.49
"produce 1 KiB 12p×4" 474.5 443.35 587.5 NaN NaN NaN 131.55 103.67 137.86 125.91 124.93 147.64
EOD
set title 'Throughput, MB/s (median; bars: min–max)'
set yrange [0:*]
plot $throughput using 2:3:4:xtic(1) title 'Fjord acks=1' lc rgb '#7b2cbf', '' using 5:6:7 title 'Fjord acks=all' lc rgb '#c77dff', '' using 8:9:10 title 'NATS JetStream' lc rgb '#2a9d8f', '' using 11:12:13 title 'Redis Streams' lc rgb '#e76f51'
$latency << EOD
"p50" 0.567 0.535 0.575 0.703 0.659 0.723 0.807 0.791 0.843 0.076 0.075 0.084 0.214 0.196 0.229
"p99" 1.247 1.247 1.255 1.575 1.343 1.823 10.623 7.935 12.735 0.467 0.251 1.831 0.465 0.451 0.575
"p99.9" 3.439 2.287 3.807 3.247 2.527 4.799 23.423 18.815 27.775 2.479 1.383 51.455 2.479 0.919 2.991
"max" 6.4 4.743 7.077 4.758 4.225 8.114 28.694 22.923 33.199 4.903 3.451 61.265 6.927 5.222 8.082
EOD
set title 'End-to-end latency at a fixed rate, ms (log scale)'
set logscale y
set yrange [*:*]
set key top left
set xtics norotate
plot $latency using 2:3:4:xtic(1) title 'Fjord acks=1' lc rgb '#7b2cbf', '' using 5:6:7 title 'Fjord acks=all' lc rgb '#c77dff', '' using 8:9:10 title 'NATS JetStream' lc rgb '#2a9d8f', '' using 11:12:13 title 'Redis Streams' lc rgb '#e76f51', '' using 14:15:16 title 'durable floor (limit)' lc rgb '#adb5bd'
unset multiplot
