/**
 * The keeper's status endpoint, on 127.0.0.1 only: GET /status (JSON), GET /metrics
 * (Prometheus text). Opt-in (a port must be given).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { KeeperMetrics } from "./metrics.js";

export interface StatusServer {
  port: number;
  close(): Promise<void>;
}

export async function startStatusServer(metrics: KeeperMetrics, port: number, extra: () => Record<string, unknown> = () => ({})): Promise<StatusServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== "GET") {
      res.writeHead(405).end();
      return;
    }
    if (req.url === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(metrics.toPrometheus());
    } else if (req.url === "/status" || req.url === "/") {
      res.writeHead(200, { "content-type": "application/json" }).end(`${JSON.stringify({ ...metrics.toJSON(), ...extra() })}\n`);
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end("GET /status or /metrics\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
