// Frames (src/frame.rs): an event's members written into wasm's input buffer as the core reads
// them. Strings go as they are, length first: nothing here scans a token for characters to
// escape, and nothing in Rust scans it again to unescape it. What the core's event plan does not
// take apart (numbers, null, objects it reads whole, anything odd) goes as its JSON text, so it
// reads exactly as the same event's JSON text would.
import { inputView } from './api.mjs';
import { core } from './manifest.mjs';

const encoder = new TextEncoder();
// Lone surrogates: UTF-8 cannot hold them, and encodeInto would replace them. Such a string goes
// as JSON text, which the core refuses as it refuses the same event as text.
const wellFormed = String.prototype.isWellFormed ? (text) => text.isWellFormed() : () => false;

let bytes; // the input buffer's view while a frame is written
let at; // where the next byte goes
let over; // the frame outgrew the core's limit: nothing more is written
let limit; // the core's: its largest event, in bytes
let tags; // the core's tag byte of each kind of value

/**
 * Writes a frame with `write` (given the writer's functions); returns its length in bytes, or a
 * length past the core's limit when it outgrew it (the core then refuses it unread).
 */
export function writeFrame(write) {
  ({ frameTags: tags, limits: { maxDocumentBytes: limit } } = core());
  bytes = inputView(4096);
  at = 0;
  over = false;
  write(writer);
  const length = over ? limit + 1 : at;
  bytes = undefined;
  return length;
}

/** Room for `n` more bytes, or false (and the frame marked over) past the core's limit. */
function room(n) {
  if (over || at + n > limit) {
    over = true;
    return false;
  }
  reserve(n);
  return true;
}

/** A buffer with `n` more bytes, whatever the limit. */
function reserve(n) {
  if (at + n > bytes.length) bytes = inputView(at + n);
}

function u32(value, where = at) {
  bytes[where] = value & 0xff;
  bytes[where + 1] = (value >>> 8) & 0xff;
  bytes[where + 2] = (value >>> 16) & 0xff;
  bytes[where + 3] = value >>> 24;
}

/** The tag, a length left for `text` to fill, then its UTF-8 bytes (without a tag: a name). */
function utf8(text, tag) {
  const head = tag === undefined ? 4 : 5;
  // A string's UTF-16 length is at most its UTF-8 length, which is at most three times that.
  if (!room(head + text.length)) return;
  if (tag !== undefined) bytes[at++] = tag;
  const start = at + 4;
  let written = text.length <= SHORT ? ascii(text, start) : -1;
  if (written < 0) {
    reserve(head + text.length * 3);
    written = encoder.encodeInto(text, bytes.subarray(start)).written;
  }
  u32(written);
  at = start + written;
  if (at > limit) over = true;
}

// Up to this length a string is copied a character at a time: each encodeInto is a call into
// the runtime, which costs more than copying a short string (most of an event's are short).
const SHORT = 48;

/** Copies `text` as ASCII to `start` (room for it made); its length, or -1 if it is not ASCII. */
function ascii(text, start) {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return -1;
    bytes[start + i] = code;
  }
  return text.length;
}

const writer = {
  /** A string (as JSON text when it cannot be UTF-8). */
  string(text) {
    if (!wellFormed(text)) return writer.json(text);
    utf8(text, tags.string);
    return true;
  },

  /** `value`'s JSON text; false (nothing written) for what JSON.stringify leaves out. */
  json(value) {
    const text = JSON.stringify(value);
    if (text === undefined) return false;
    utf8(text, tags.json);
    return true;
  },

  /** A string, a list of values (strings taken apart, the rest as JSON text) or JSON text. */
  value(value) {
    if (typeof value === 'string') return writer.string(value);
    if (!Array.isArray(value) || value.toJSON !== undefined) return writer.json(value);
    if (!room(5)) return true;
    bytes[at] = tags.array;
    u32(value.length, at + 1);
    at += 5;
    // As JSON.stringify writes them: what it leaves out of an object is null in a list.
    for (const item of value) if (!writer.value(item)) writer.json(null);
    return true;
  },

  /**
   * Opens an object; returns its mark for `close`. Its members follow, each a `name` and then
   * its value (`rewind` to the name's mark leaves a member out). No callback per object: an
   * event's writer is a loop over its plan.
   */
  open() {
    if (!room(5)) return -1;
    const start = at;
    bytes[at] = tags.object;
    at += 5;
    return start;
  },

  /** A member's name; returns where it starts, for `rewind`. */
  name(text) {
    const mark = at;
    utf8(text);
    return mark;
  },

  /** Forgets what was written since `mark`. */
  rewind(mark) {
    at = mark;
  },

  /** Closes the object opened at `start`, of `count` members. */
  close(start, count) {
    if (start >= 0 && !over) u32(count, start + 1);
    return true;
  },
};
