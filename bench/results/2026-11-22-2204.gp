set terminal pngcairo size 1400,600 font 'sans,10'
set output '2026-11-22-2204.png'
set multiplot layout 1,2 title 'Fjord vs NATS JetStream vs Redis Streams, 2026-11-22T21:57:20Z'
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set key top right
set grid ytics
set xtics rotate by -20
$throughput << EOD
"produce 1 KiB" 1021.51 786.11 1376.44 1091.64 477.93 1237.29 126.5 97.38 149.27 157.92 156.41 161.66
"consume 1 KiB" 1734.72 1190.75 1834.56 NaN NaN NaN 339.54 289.55 358.68 648.48 637.87 713.33
"produce 100 B" 371.75 199.25 429.51 360.04 198.06 394.4 18.11 17.79 18.15 40.85 36.04 45.62
"consume 100 B" 202.87 114.03 253.64 NaN NaN NaN 67.29 65.05 69.67 114.94 84.48 117.29
"produce 1 KiB 12p×4" 496.02 457.23 934.67 NaN NaN NaN 109.6 102.32 111.52 172.42 155.18 208.13
EOD
set title 'Throughput, MB/s (median; bars: min–max)'
set yrange [0:*]
plot $throughput using 2:3:4:xtic(1) title 'Fjord acks=1' lc rgb '#7b2cbf', '' using 5:6:7 title 'Fjord acks=all' lc rgb '#c77dff', '' using 8:9:10 title 'NATS JetStream' lc rgb '#2a9d8f', '' using 11:12:13 title 'Redis Streams' lc rgb '#e76f51'
$latency << EOD
"p50" 0.807 0.607 0.827 0.779 0.727 1.015 0.855 0.851 0.867 0.113 0.098 0.124 0.365 0.315 0.383
"p99" 3.823 2.591 5.151 2.191 1.559 5.151 11.967 3.967 17.663 0.527 0.379 0.543 1.431 0.999 10.495
"p99.9" 36.351 9.855 61.695 5.471 3.583 20.479 23.295 21.887 35.839 2.159 1.879 2.495 5.215 2.191 63.487
"max" 45.509 14.869 71.399 8.362 6.116 26.768 27.676 27.395 45.411 4.912 4.519 6.081 7.05 4.779 72.503
EOD
set title 'End-to-end latency at a fixed rate, ms (log scale)'
set logscale y
set yrange [*:*]
set key top left
set xtics norotate
plot $latency using 2:3:4:xtic(1) title 'Fjord acks=1' lc rgb '#7b2cbf', '' using 5:6:7 title 'Fjord acks=all' lc rgb '#c77dff', '' using 8:9:10 title 'NATS JetStream' lc rgb '#2a9d8f', '' using 11:12:13 title 'Redis Streams' lc rgb '#e76f51', '' using 14:15:16 title 'durable floor (limit)' lc rgb '#adb5bd'
unset multiplot
