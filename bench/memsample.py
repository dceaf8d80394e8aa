#!/usr/bin/env python3
"""Peak memory of process groups, sampled from /proc.

  memsample.py OUTFILE INTERVAL_S NAME=PGID [NAME=PGID ...]

Every INTERVAL_S seconds, sums RssAnon (the process's own heap and stacks, not the
page cache of files it reads or maps) and RssFile over every process of each
process group and keeps the largest sums. On SIGTERM or SIGINT it writes one line
per group to OUTFILE:

  NAME PEAK_ANON_KB PEAK_FILE_KB
"""
import os
import signal
import sys
import time


def group_of(pid):
    with open(f'/proc/{pid}/stat') as f:
        st = f.read()
    # the fields after the command name (which may hold spaces) start at ") "
    return int(st[st.rindex(')') + 2:].split()[2])


def rss(pid):
    anon = fil = 0
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('RssAnon:'):
                anon = int(line.split()[1])
            elif line.startswith('RssFile:'):
                fil = int(line.split()[1])
    return anon, fil


def main():
    out, interval = sys.argv[1], float(sys.argv[2])
    names = {}
    for arg in sys.argv[3:]:
        name, pgid = arg.split('=')
        names[int(pgid)] = name
    peak = {n: [0, 0] for n in names.values()}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    while not stop:
        sums = {n: [0, 0] for n in peak}
        for entry in os.listdir('/proc'):
            if not entry.isdigit():
                continue
            try:
                name = names.get(group_of(entry))
                if name is None:
                    continue
                anon, fil = rss(entry)
            except (OSError, ValueError, IndexError):
                continue
            sums[name][0] += anon
            sums[name][1] += fil
        for n, s in sums.items():
            peak[n] = [max(peak[n][0], s[0]), max(peak[n][1], s[1])]
        time.sleep(interval)
    with open(out, 'w') as f:
        for n, p in peak.items():
            f.write(f'{n} {p[0]} {p[1]}\n')


if __name__ == '__main__':
    main()
