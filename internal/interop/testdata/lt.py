#!/usr/bin/python3
"""Drive libtorrent-rasterbar 2.0 (python3-libtorrent) as one seeder or downloader.

Runs with the system interpreter (/usr/bin/python3), which has the libtorrent module.

  lt.py seed     --torrent T --dir D --port P [--bind IP] [--peer HOST:PORT]... [--hp]
  lt.py download --torrent T --dir D --port P [--bind IP] [--peer HOST:PORT]... [--hp]

seed      checks the data in D, prints "lt: ready" once it is a seeder, then seeds until
          SIGTERM/SIGINT. Exits 2 if the data in D is not complete.
download  downloads into D, prints "resume: N/M pieces verified" once the data
          already in D is checked, then "lt: complete" and exits 0 once every piece
          is verified (with --stay it keeps seeding until SIGTERM afterwards).

Options:
  --bind IP       listen on IP:PORT and dial from IP (default 127.0.0.1)
  --peer H:P      connect to this peer directly; retried every second while not connected
  --hp            apply libtorrent's high_performance_seed() settings pack
  --seed-mode     seeder trusts the data without the up-front hash check
  --up-limit B    upload rate limit in bytes per second (default: none)
  --quiet         no progress lines
  --timeout S     give up (exit 3) after S seconds (default: none)

Always: DHT, local peer discovery, UPnP and NAT-PMP off; uTP off (TCP only: uTP on
loopback is slow); several connections per IP allowed (every peer shares the address).
Progress lines go to stderr at most once a second when something changed, and
every 10 seconds otherwise; the final line of a download reports the
payload bytes received.
"""
import argparse
import signal
import sys
import time

import libtorrent as lt


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=['seed', 'download'])
    ap.add_argument('--torrent', required=True)
    ap.add_argument('--dir', required=True)
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--bind', default='127.0.0.1')
    ap.add_argument('--peer', action='append', default=[])
    ap.add_argument('--hp', action='store_true')
    ap.add_argument('--seed-mode', action='store_true')
    ap.add_argument('--up-limit', type=int, default=0)
    ap.add_argument('--stay', action='store_true')
    ap.add_argument('--quiet', action='store_true')
    ap.add_argument('--timeout', type=float, default=0)
    return ap.parse_args()


def endpoint(s):
    host, _, port = s.rpartition(':')
    return host.strip('[]'), int(port)


def main():
    a = parse_args()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    settings = lt.high_performance_seed() if a.hp else {}
    settings.update({
        'listen_interfaces': f'{a.bind}:{a.port}',
        'outgoing_interfaces': a.bind,
        'enable_dht': False,
        'enable_lsd': False,
        'enable_upnp': False,
        'enable_natpmp': False,
        'enable_outgoing_utp': False,
        'enable_incoming_utp': False,
        'allow_multiple_connections_per_ip': True,
        'min_reconnect_time': 1,
        'stop_tracker_timeout': 1,
        'upload_rate_limit': a.up_limit,
        'alert_mask': (lt.alert.category_t.error_notification | lt.alert.category_t.status_notification |
                       lt.alert.category_t.peer_notification | lt.alert.category_t.connect_notification),
    })
    ses = lt.session(settings)
    if a.up_limit:
        # Rate limits skip local peers unless every address is in the global class.
        f = lt.ip_filter()
        f.add_rule('0.0.0.0', '255.255.255.255', 1 << lt.session.global_peer_class_id)
        ses.set_peer_class_filter(f)

    atp = lt.add_torrent_params()
    atp.ti = lt.torrent_info(a.torrent)
    atp.save_path = a.dir
    atp.flags &= ~lt.torrent_flags.auto_managed
    atp.flags &= ~lt.torrent_flags.paused
    if a.mode == 'seed' and a.seed_mode:
        atp.flags |= lt.torrent_flags.seed_mode
    h = ses.add_torrent(atp)
    peers = [endpoint(p) for p in a.peer]

    t0 = time.monotonic()
    last_print = last_dial = 0.0
    last_shown = None
    ready = False
    checked = False
    rc = 0
    while not stop:
        for al in ses.pop_alerts():
            if isinstance(al, (lt.tracker_error_alert, lt.file_error_alert, lt.listen_failed_alert,
                               lt.torrent_error_alert, lt.hash_failed_alert, lt.peer_error_alert,
                               lt.peer_disconnected_alert, lt.peer_ban_alert)):
                print('lt:', al.message(), file=sys.stderr, flush=True)
        st = h.status()
        now = time.monotonic()
        checking = st.state in (lt.torrent_status.checking_files,
                                lt.torrent_status.checking_resume_data,
                                lt.torrent_status.queued_for_checking)
        if peers and not checking and now - last_dial >= 1.0:
            last_dial = now
            connected = {(p.ip[0], p.ip[1]) for p in h.get_peer_info()}
            for ep in peers:
                if ep not in connected:
                    h.connect_peer(ep)
        shown = (str(st.state), int(st.progress * 1000), st.num_peers)
        if not a.quiet and now - last_print >= 1.0 and (shown != last_shown or now - last_print >= 10.0):
            last_print, last_shown = now, shown
            print(f'lt[{a.mode}] t={now - t0:6.1f}s {st.state} {st.progress * 100:5.1f}% '
                  f'down={st.download_payload_rate / 1e6:7.1f}MB/s up={st.upload_payload_rate / 1e6:7.1f}MB/s '
                  f'peers={st.num_peers}', file=sys.stderr, flush=True)
        if not checked and not checking:
            checked = True
            print(f'resume: {st.num_pieces}/{atp.ti.num_pieces()} pieces verified', flush=True)
        if a.mode == 'seed' and not ready and not checking:
            if st.is_seeding:
                ready = True
                print(f'lt: ready after {now - t0:.3f}s', flush=True)
            elif st.state == lt.torrent_status.downloading:
                print(f'lt: seed data incomplete ({st.progress * 100:.1f}% present)', flush=True)
                rc = 2
                break
        if a.mode == 'download' and not ready and st.is_seeding:
            ready = True
            print(f'lt: complete after {now - t0:.3f}s, received {st.total_payload_download} payload bytes',
                  flush=True)
            if not a.stay:
                break
        if a.timeout and now - t0 > a.timeout:
            print(f'lt: timeout after {a.timeout:.0f}s at {st.progress * 100:.1f}%', flush=True)
            rc = 3
            break
        time.sleep(0.02)

    if a.mode == 'download' and not ready and rc == 0:
        rc = 1
    del h
    del ses
    sys.exit(rc)


if __name__ == '__main__':
    main()
