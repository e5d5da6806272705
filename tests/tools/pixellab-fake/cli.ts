import { CliOptionsError, parseCliOptions, USAGE } from "./cli-options.ts";
import { startFakePixelLab } from "./server.ts";

/**
 * `npm run pixellab:fake -- --port 8790`: runs the offline PixelLab until SIGINT/SIGTERM.
 * See tests/tools/pixellab-fake/README.md for flags, environment variables and scenario directives.
 */
async function main(): Promise<void> {
  let options;
  try {
    options = parseCliOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof CliOptionsError)) throw error;
    console.error(`pixellab-fake: ${error.message}`);
    process.exit(2);
  }
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const fake = await startFakePixelLab(options);
  const cap = options.maxConcurrent === null ? "none" : String(options.maxConcurrent);
  console.log(
    `pixellab-fake listening on ${fake.url} (v1: ${fake.v1Url}, v2: ${fake.v2Url}); ` +
      `scenario "${options.scenario || "success"}", async ${options.async}, job ${options.backgroundJobDurationMs} ms, cap ${cap}`,
  );
  const shutdown = (signal: string) => {
    console.log(`pixellab-fake: ${signal}, stopping`);
    fake.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
}

await main();
