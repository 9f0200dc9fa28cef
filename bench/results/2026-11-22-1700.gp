set terminal pngcairo size 1400,600 font 'sans,10'
set output '2026-11-22-1700.png'
set multiplot layout 1,2 title 'Fjord vs NATS JetStream vs Redis Streams, 2026-11-22T16:54:49Z'
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set key top right
set grid ytics
set xtics rotate by -20
$throughput << EOD
"produce 1 KiB" 1088.21 988.36 1182.15 1132.19 947.54 1190.59 142.77 139.09 147.45 176.16 158.21 183.37
"consume 1 KiB" 1794.7 1667.19 2010.51 NaN NaN NaN 388.8 368.0 392.39 704.07 590.93 723.82
"produce 100 B" 359.66 312.62 411.17 379.29 377.16 402.23 19.08 18.34 20.22 41.32 36.61 44.91
"consume 100 B" 212.72 210.2 239.97 NaN NaN NaN 83.3 79.54 83.45 123.21 87.29 132.5
"produce 1 KiB 12p×4" 806.1 678.68 965.77 NaN NaN NaN 120.73 119.73 124.01 179.72 167.51 185.83
EOD
set title 'Throughput, MB/s (median; bars: min–max)'
set yrange [0:*]
plot $throughput using 2:3:4:xtic(1) title 'Fjord acks=1' lc rgb '#7b2cbf', '' using 5:6:7 title 'Fjord acks=all' lc rgb '#c77dff', '' using 8:9:10 title 'NATS JetStream' lc rgb '#2a9d8f', '' using 11:12:13 title 'Redis Streams' lc rgb '#e76f51'
$latency << EOD
"p50" 0.659 0.531 0.683 0.723 0.695 0.795 0.827 0.815 0.855 0.102 0.089 0.114
"p99" 1.495 1.111 1.663 1.647 1.511 3.839 13.247 3.951 14.783 0.367 0.337 0.447
"p99.9" 3.823 2.559 7.807 2.895 2.815 67.071 25.087 11.583 29.695 1.887 1.839 2.687
"max" 7.299 5.682 15.107 4.804 4.767 75.631 28.061 21.213 34.824 4.204 3.771 4.699
EOD
set title 'End-to-end latency at a fixed rate, ms (log scale)'
set logscale y
set yrange [*:*]
set key top left
set xtics norotate
plot $latency using 2:3:4:xtic(1) title 'Fjord acks=1' lc rgb '#7b2cbf', '' using 5:6:7 title 'Fjord acks=all' lc rgb '#c77dff', '' using 8:9:10 title 'NATS JetStream' lc rgb '#2a9d8f', '' using 11:12:13 title 'Redis Streams' lc rgb '#e76f51'
unset multiplot
