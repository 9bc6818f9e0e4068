/**
 * oxd's STATUS as text for people: the original oxctl's lines (host, last
 * event and how long ago, lag, each host and event type with its last event)
 * followed by the counters this oxd adds. Times are local, as the original
 * printed them.
 */

type Status = Record<string, any>;

const COUNTERS = ['received', 'written', 'forwarded', 'streamed', 'dropped', 'invalid'] as const;

function when(t: unknown, now: number): string {
  if (typeof t !== 'number' || !t) return 'never';
  const d = new Date(t * 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const local = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return `${local} (${Math.max(0, Math.round(now - t))} secs ago)`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => '  ' + r.map((cell, i) => (i === 0 ? cell.padStart(widths[i]) : cell.padStart(widths[i]))).join('  '));
}

function bytes(n: unknown): string {
  if (typeof n !== 'number') return '-';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

export function formatStatus(host: string, s: Status, now: number): string {
  const lines: string[] = [`Host: ${host}`];
  lines.push(`Last: ${when(s.last, now)}`);
  if (typeof s.lag === 'number') lines.push(`Lag: ${s.lag.toFixed(6)} secs`);
  if (typeof s.uptime === 'number') lines.push(`Up: ${Math.round(s.uptime)} secs, oxd ${s.version ?? '?'} (pid ${s.pid ?? '?'})`);

  const hosts = Object.entries<Record<string, unknown>>(s.hosts ?? {});
  if (hosts.length) {
    lines.push('', 'Hosts:');
    lines.push(...table(hosts.map(([name, h]) => [name, `Last ${when(h.last, now)}`, `${h.received ?? '-'} events`])));
  }
  const events = Object.entries<Record<string, unknown>>(s.events ?? {});
  if (events.length) {
    lines.push('', 'Event types:');
    const rows = [['', 'last', ...COUNTERS, 'bytes']];
    for (const [name, e] of events.sort(([a], [b]) => a.localeCompare(b))) {
      rows.push([name, when(e.last, now), ...COUNTERS.map((c) => String(e[c] ?? '-')), bytes(e.bytes)]);
    }
    lines.push(...table(rows));
  }
  if (s.totals) {
    lines.push('', `Totals: ${COUNTERS.map((c) => `${c} ${s.totals[c]}`).join(', ')}, ${bytes(s.totals.bytes)}`);
  }
  const invalid = Object.entries<number>(s.invalid ?? {});
  if (invalid.length) lines.push(`Invalid: ${invalid.map(([reason, n]) => `${reason} ${n}`).join(', ')}`);
  if (s.collect) {
    const c = s.collect;
    lines.push(
      `Collect: ${c.endpoint}, ${c.connections} connections (${c.accepted} accepted), ` +
        `${c.protocol_errors} protocol errors, ${c.handshake_timeouts} handshake timeouts`,
    );
  }
  if (s.statsd) lines.push(...statsdLines(s.statsd));
  if (s.syslog) {
    const y = s.syslog;
    const formats = Object.entries<number>(y.formats ?? {}).map(([f, n]) => `${f} ${n}`).join(', ');
    lines.push(
      `Syslog: ${y.endpoint ?? 'no plain port'}, ${y.messages} messages (TCP ${y.tcp_messages}, UDP ${y.udp_messages}${formats ? `; ${formats}` : ''}), ` +
        `${y.truncated} truncated; ${y.tcp_connections} connections (${y.tcp_accepted} accepted, ${y.tcp_refused} refused); UDP dropped by the kernel ${y.udp_drops ?? '?'}`,
    );
    if (y.problems) {
      const seen = Object.entries<number>(y.problems).filter(([, n]) => n > 0);
      lines.push(`Syslog problems: ${seen.length ? seen.map(([reason, n]) => `${reason} ${n}`).join(', ') : 'none'}`);
    }
    if (y.thread) {
      const th = y.thread;
      lines.push(
        th.state === 'failed'
          ? `Syslog thread: failed, ${th.lost_bytes} bytes lost; TCP framed on the main thread`
          : `Syslog thread: ${th.state}, ${th.batches} batches, ${th.backlog_bytes} bytes waiting for it, ${th.pauses} pauses for it`,
      );
    }
    if (y.tls) {
      const failed = Object.entries<number>(y.tls.handshake_failed ?? {}).map(([reason, n]) => `${reason} ${n}`).join(', ');
      lines.push(
        `Syslog TLS: ${y.tls.endpoint}, ${y.tls.accepted} accepted (${y.tls.client_cert_verified} with a verified client certificate; ` +
          `client certificates: ${y.tls.client_cert}), handshakes failed: ${failed || 'none'}`,
      );
    }
  }
  for (const [name, sink] of Object.entries<Record<string, unknown>>(s.sinks ?? {})) {
    const flat = Object.entries(sink).filter(([, v]) => v === null || typeof v !== 'object');
    lines.push(`Sink ${name}: ${flat.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  const fwd = s.sinks?.forward;
  if (typeof fwd?.upstreams === 'string' && fwd.upstreams.includes(',')) {
    lines.push(
      `Forward: to ${fwd.target} (${fwd.upstream_index + 1} of ${fwd.upstreams.split(',').length}: ${fwd.upstreams}), failover after ${fwd.failover_ms / 1000} s; ` +
        `${fwd.failovers} failovers, ${fwd.returns} returns, ${fwd.resent_elsewhere} events sent again elsewhere unacknowledged (possibly written twice)` +
        (fwd.last_move ? `; the last: from ${fwd.last_move}` : ''),
    );
  }
  const spool = s.sinks?.forward?.spool;
  if (spool?.kind === 'disk') lines.push(spoolLine(spool));
  const out = s.sinks?.forward?.link;
  if (out) {
    lines.push(
      `Link out: ${out.address}, ${out.batches} batches, ${out.events} events sent, ${out.in_flight} in flight, ${out.acks} acknowledgements, ` +
        `sent again ${s.sinks.forward.link_losses} times; ${bytes(out.raw_bytes)} as ${bytes(out.wire_bytes)} on the wire (${out.codec ?? 'zlib'}, ratio ${out.compression_ratio}, ${Math.round(out.compress_ms)} ms compressing)`,
    );
    // Another codec than link_compression asks for: why (this Node, or the upstream's, has no zstd).
    if (out.codec_asked !== undefined && out.codec !== out.codec_asked) lines.push(`Link codec: ${out.codec}, not ${out.codec_asked}: ${out.codec_reason}`);
  }
  const link = s.link;
  if (link) {
    lines.push(
      `Link in: ${link.endpoint}, ${link.links} links, ${link.batches} batches, ${link.events} events, ${link.duplicates} duplicates dropped, ` +
        `${link.possible_duplicates} possibly written twice (taken again after a restart), ${link.out_of_order} out of order, ${link.bad_batches} bad, ${link.acks} acknowledgements`,
    );
  }
  const curve = link?.curve;
  if (curve) {
    const last = curve.last_refused ? ` (the last from ${curve.last_refused}${curve.last_refused_key ? `, key ${curve.last_refused_key}` : ''})` : '';
    lines.push(`Link CURVE: ${curve.clients} forwarding oxds allowed, ${curve.accepted} connections admitted, ${curve.refused} refused${last}`);
  }
  return lines.join('\n') + '\n';
}

/** The statsd source and what became of its intervals. */
function statsdLines(st: Record<string, any>): string[] {
  const lines: string[] = [];
  if (st.endpoint !== undefined) {
    const bad = Object.entries<number>(st.bad_lines ?? {}).map(([reason, n]) => `${reason} ${n}`);
    lines.push(
      `Statsd: ${st.endpoint}, interval ${st.flush_ms / 1000} s, ${st.intervals} intervals; ${st.packets_received} packets, ` +
        `${st.metrics_received} lines, ${st.bad_lines_seen} bad${bad.length ? ` (${bad.join(', ')})` : ''}; ` +
        `${st.names} names (${st.names_dropped} dropped), ${st.timers_sketched ?? 0} timers past the sample cap, ${st.events} DogStatsD events`,
    );
    lines.push(
      `Statsd UDP: receive buffer ${bytes(st.receive_buffer)}, dropped by the kernel: this socket ${st.udp_drops ?? '?'}, ` +
        `all UDP (RcvbufErrors) ${st.udp_rcvbuf_errors ?? '?'}; TCP connections ${st.tcp_connections}`,
    );
    for (const line of st.recent_bad_lines ?? []) lines.push(`  bad line ${line}`);
  }
  const o = st.output;
  if (o) {
    lines.push(
      `Statsd intervals: ${o.intervals_sent} sent as ${o.events_sent} events; merged ${o.parts_merged} parts from other oxds ` +
        `(${o.parts_late} late), ${o.windows_written} windows written to carbon, ${o.names_dropped} names over the cap`,
    );
  }
  return lines;
}

/** The forwarder's disk spool: what it holds, how old its oldest event is, and what went wrong. */
function spoolLine(p: Record<string, any>): string {
  const oldest = p.oldest_unacked_ms === null ? '' : ` (the oldest ${(p.oldest_unacked_ms / 1000).toFixed(1)} s old)`;
  return (
    `Spool: ${p.path}, ${bytes(p.bytes)} of ${bytes(p.max_bytes)} in ${p.segments} segments, ${p.unacked} events not yet acknowledged${oldest}; ` +
    `full ${p.full ? 'yes' : 'no'} (when full: ${p.when_full}), dropped ${p.dropped_oldest} oldest and ${p.dropped_newest} newest, ` +
    `damaged ${p.damaged} (${p.lost_in_damage} events), write errors ${p.write_errors}${p.last_write_error ? ` (${p.last_write_error})` : ''}`
  );
}
