/**
 * `node tests/tools/package/queue-settings-json.ts`: writes terraform/queue-settings.json from
 * shared/queue-settings.ts, the Cloud Tasks settings the code and the local emulator use, so the
 * deployed queue is configured the same way. tests/unit/terraform-queue.test.ts fails while it is stale.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { terraformQueueSettingsJson } from "../../../shared/queue-settings.ts";

const file = path.resolve("terraform/queue-settings.json");
writeFileSync(file, terraformQueueSettingsJson());
console.log(`wrote ${path.relative(process.cwd(), file)}`);
