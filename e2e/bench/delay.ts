import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';

/**
 * The added delay between the browsers and the servers. scripts/bench-setup.sh starts
 * `duet-netdelay` (which holds each packet of an NFQUEUE for the delay) and an empty
 * iptables chain hooked into OUTPUT; `on` sends both directions of the servers' TCP
 * ports on loopback to that queue. Browser↔browser media and ICE (UDP) are not delayed.
 */
export class Delay {
  private constructor(
    private readonly chain: string,
    private readonly queue: number,
    /** Added to each packet, each way. */
    readonly oneWayMs: number,
  ) {}

  /** The delay the script set up, or null when run without it (loopback only). */
  static fromEnv(): Delay | null {
    const { BENCH_CHAIN: chain, BENCH_QUEUE: queue, BENCH_DELAY_MS: ms } = process.env;
    if (!chain || !queue || !ms) return null;
    return new Delay(chain, Number(queue), Number(ms));
  }

  /** Delays every TCP packet to and from `ports` on loopback. */
  on(ports: number[]): void {
    for (const port of ports) {
      for (const direction of ['--dport', '--sport']) {
        iptables('-A', this.chain, '-o', 'lo', '-p', 'tcp', direction, String(port),
          '-j', 'NFQUEUE', '--queue-num', String(this.queue), '--queue-bypass');
      }
    }
  }

  /** Removes every rule of the chain: loopback is undelayed again. */
  off(): void {
    iptables('-F', this.chain);
  }
}

function iptables(...args: string[]): void {
  const r = spawnSync('iptables-legacy', ['-w', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`iptables-legacy ${args.join(' ')}: ${r.stderr || r.error}`);
}

/** The fastest of three TCP handshakes with 127.0.0.1:`port`, in ms: one round trip. */
export async function handshakeMs(port: number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    best = Math.min(best, await new Promise<number>((ok, fail) => {
      const start = performance.now();
      const socket = connect(port, '127.0.0.1', () => {
        ok(performance.now() - start);
        socket.destroy();
      });
      socket.on('error', fail);
    }));
  }
  return best;
}
