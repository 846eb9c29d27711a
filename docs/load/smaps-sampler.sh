#!/bin/bash
# Samples a -race function server's resident memory once a minute, split by
# where it lives (from /proc/PID/smaps, in KB): goheap = the Go heap arenas
# [0xc000000000, 0xe000000000), shadow = the race shadow (0x2..., 0x3...),
# anon7f = the race runtime's own anonymous mappings (0x7f...), other = the
# binary's image and the rest. Usage: smaps-sampler.sh PID > samples.log
pid=$1
while kill -0 $pid 2>/dev/null; do
  awk -v t="$(date +%T)" '/^[0-9a-f]+-[0-9a-f]+ /{split($1,a,"-"); s=a[1]; while(length(s)<12) s="0"s; k=substr(s,1,3); if(k=="00c") key="goheap"; else if(k ~ /^7f/) key="anon7f"; else if(k ~ /^[23]/) key="shadow"; else key="other"} /^Rss:/{r[key]+=$2; tot+=$2} END{printf "%s total=%d goheap=%d shadow=%d anon7f=%d other=%d\n", t, tot, r["goheap"], r["shadow"], r["anon7f"], r["other"]}' /proc/$pid/smaps
  sleep 60
done
