/**
 * Helpers of the keeper tests: a MockVerifier-backed feed with many series on one pair of
 * oracles, a prove function that echoes the statement (where the proof is not the point),
 * exactly-once accounting from the feed's event log, a JSON-RPC proxy on 127.0.0.1 that drops
 * or delays requests, and a real redis-server on a free port.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import http from "node:http";
import net from "node:net";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { Contract } from "ethers";
import { FEED_RISK, STRIKE, type TestStack, deployTestStack } from "./contracts.js";

export { ECHO_PRICE_OVER_STRIKE, echoProver, echoResult } from "./echoProver.js";

/** The test stack plus `extra` more series on the same oracles (ids 1..1+extra). */
export async function deployManySeries(ethers: HardhatEthers, count: number, options: Parameters<typeof deployTestStack>[1] = {}): Promise<TestStack & { seriesIds: bigint[] }> {
  const stack = await deployTestStack(ethers, options);
  const spotOracle = await stack.spotOracle.getAddress();
  const volOracle = await stack.volOracle.getAddress();
  const s = await stack.feed.getSeries(1n);
  for (let i = 2; i <= count; i++) {
    await (
      await stack.feed.createSeries({ spotOracle, volOracle, strike: STRIKE + BigInt(i) * 10n ** 18n, expiry: s.expiry, isCall: true, modelId: s.modelId, risk: FEED_RISK })
    ).wait();
  }
  return { ...stack, seriesIds: Array.from({ length: count }, (_, i) => BigInt(i + 1)) };
}

/** Accepted marks per "series:observedAt:volRoundId", from the PriceSubmitted log. */
export async function marksByRound(feed: Contract): Promise<Map<string, number>> {
  const logs = await feed.queryFilter(feed.filters.PriceSubmitted());
  const m = new Map<string, number>();
  for (const l of logs) {
    const args = (l as unknown as { args: [bigint, bigint, bigint, bigint, bigint] }).args;
    const k = `${args[0]}:${args[1]}:${args[4]}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/** Wait until `check` is true (polling every `everyMs`), or fail after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000, everyMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

// ------------------------------------------------------------------ flaky RPC proxy

export interface RpcProxy {
  url: string;
  stats: { requests: number; dropped: number; delayed: number };
  close(): Promise<void>;
}

/**
 * A JSON-RPC endpoint on 127.0.0.1 that forwards to an EIP-1193 provider (the in-process
 * chain) and, with probability `faultRate`, either drops the request (connection reset, no
 * answer) or delays it by up to `maxDelayMs` — half each. Deterministic with `seed`.
 */
export async function startRpcProxy(upstream: { request(a: { method: string; params?: unknown[] }): Promise<unknown> }, o: { faultRate: number; maxDelayMs: number; seed: number }): Promise<RpcProxy> {
  let s = o.seed >>> 0;
  const rand = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const stats = { requests: 0, dropped: 0, delayed: 0 };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", async () => {
      stats.requests++;
      const roll = rand();
      if (roll < o.faultRate / 2) {
        stats.dropped++;
        req.socket.destroy();
        return;
      }
      if (roll < o.faultRate) {
        stats.delayed++;
        await new Promise((r) => setTimeout(r, rand() * o.maxDelayMs));
      }
      const one = async (m: { id: unknown; method: string; params?: unknown[] }) => {
        try {
          return { jsonrpc: "2.0", id: m.id, result: await upstream.request({ method: m.method, params: m.params }) };
        } catch (e) {
          const err = e as { code?: number; message?: string; data?: unknown };
          return { jsonrpc: "2.0", id: m.id, error: { code: err.code ?? -32000, message: err.message ?? String(e), data: err.data } };
        }
      };
      const msg = JSON.parse(body);
      const out = Array.isArray(msg) ? await Promise.all(msg.map(one)) : await one(msg);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(out, (_k, v) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v)));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

// ------------------------------------------------------------------ redis

export interface RedisServer {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/**
 * Start redis-server on 127.0.0.1 on a free port, no persistence. Fails (never skips) with a
 * clear message when there is no redis-server or it does not start.
 */
export async function startRedis(): Promise<RedisServer> {
  const which = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (which.error || which.status !== 0) {
    throw new Error(
      "redis-server is not installed, and the Redis tests need a real Redis (≥ 6.2): install it with `apt-get install redis-server` (.ci/run does this) and run the tests again",
    );
  }
  const port = await freePort();
  const child: ChildProcess = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const ready = await new Promise<boolean>((resolve) => {
    const end = Date.now() + 10_000;
    const tryConnect = () => {
      const sock = net.connect(port, "127.0.0.1");
      sock.once("connect", () => {
        sock.write("PING\r\n");
        sock.once("data", (d) => {
          sock.destroy();
          resolve(String(d).startsWith("+PONG"));
        });
      });
      sock.once("error", () => {
        sock.destroy();
        if (Date.now() > end || child.exitCode !== null) resolve(false);
        else setTimeout(tryConnect, 50);
      });
    };
    tryConnect();
  });
  if (!ready) {
    child.kill("SIGKILL");
    throw new Error(`redis-server did not start on 127.0.0.1:${port}: ${output.trim().split("\n").slice(-3).join(" | ")}`);
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 3_000).unref();
      }),
  };
}
