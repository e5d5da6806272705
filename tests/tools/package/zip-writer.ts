import { crc32, deflateRawSync } from "node:zlib";

/** One file of an archive: its path inside the zip (forward slashes) and its bytes. */
export interface ZipEntry {
  name: string;
  data: Buffer;
}

/**
 * Every entry carries the same timestamp, the earliest a zip can hold (1980-01-01 00:00, MS-DOS
 * format), so the same files always give the same bytes and the same MD5: Terraform names the
 * uploaded object by that hash, and an unchanged build must not redeploy the functions.
 */
const DOS_TIME = 0;
const DOS_DATE = (1 << 5) | 1; // (year - 1980) << 9 | month << 5 | day
/** Bit 11: names are UTF-8. */
const FLAGS = 0x0800;
/** "Made by" Unix (3) with zip 2.0, so unzip and Cloud Build's extractor honour the file mode below. */
const MADE_BY = (3 << 8) | 20;
const VERSION_NEEDED = 20;
/** -rw-r--r-- regular file, in the high 16 bits of the external attributes. */
const FILE_MODE = 0o100644 << 16;
const DEFLATE = 8;
const STORE = 0;
/** Without zip64 records a zip holds at most 65,535 entries and 4 GiB; an artifact is far below. */
const MAX_ENTRIES = 0xffff;
const MAX_BYTES = 0xffffffff;

/**
 * Writes a zip (PKWARE APPNOTE 6.3, no zip64) of `entries` in name order. Each file is deflated,
 * or stored when deflating does not make it smaller. Pure Node (zlib), so packaging needs no `zip`
 * binary on the machine or in CI.
 */
export function writeZip(entries: readonly ZipEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (sorted.length > MAX_ENTRIES) throw new Error(`zip: ${sorted.length} entries, at most ${MAX_ENTRIES}`);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of sorted) {
    const name = Buffer.from(entry.name, "utf8");
    const deflated = deflateRawSync(entry.data, { level: 9 });
    const method = deflated.length < entry.data.length ? DEFLATE : STORE;
    const body = method === DEFLATE ? deflated : entry.data;
    const crc = crc32(entry.data);
    if (entry.data.length > MAX_BYTES || offset > MAX_BYTES)
      throw new Error(`zip: ${entry.name} is past 4 GiB`);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(VERSION_NEEDED, 4);
    local.writeUInt16LE(FLAGS, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28); // no extra field
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(MADE_BY, 4);
    central.writeUInt16LE(VERSION_NEEDED, 6);
    central.writeUInt16LE(FLAGS, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    // extra length, comment length, disk number, internal attributes: all 0 (bytes 30-37)
    central.writeUInt32LE(FILE_MODE >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(sorted.length, 8); // entries on this disk
  end.writeUInt16LE(sorted.length, 10); // entries in total
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
