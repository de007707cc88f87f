import { parseConfigText } from "../../../src/config/load.ts";
import { Responder } from "../../../src/dns/responder.ts";
import { type RunningServer, startDnsServer } from "../../../src/dns/server.ts";
import { compileZone } from "../../../src/dns/zone-compiler.ts";
import { buildZoneModel, standaloneView } from "../../../src/dns/zone-model.ts";
import { freePort } from "../../support/dns-client.ts";
import { CONFIG } from "./fixture.ts";

export const HB_KEY = Buffer.alloc(32, 7);

/** The fixture zone served by a real splitguard server on 127.0.0.1. */
export async function serveFixture(): Promise<{ server: RunningServer; responder: Responder }> {
  const config = parseConfigText(CONFIG, "fixture.yaml");
  const responder = new Responder(compileZone(buildZoneModel(config, standaloneView(config), 1)), {
    incarnation: 4,
    key: HB_KEY,
  });
  const server = await startDnsServer(responder, "127.0.0.1", await freePort("127.0.0.1"));
  return { server, responder };
}
