/**
 * Model inputs from the command line: `--<feature> <value>` flags and/or an `--input` JSON
 * object, in real units (converted exactly to the on-chain integers) or, with `--raw`, as the
 * raw integers themselves. Every problem names the input, the value and what is allowed.
 */
import { InputOutOfRangeError } from "../errors.js";
import { fromRawUnits, toRawUnits } from "../quantize/decimal.js";
import { checkRawInputs } from "../quantize/forward.js";
import type { QuantizedModel } from "../quantize/types.js";
import { readJsonFile } from "../util/fs.js";
import { CliError } from "./errors.js";

/** Values by feature name, as text (real units or raw integers). */
export type InputTexts = Record<string, string>;

function inputList(q: QuantizedModel): string {
  return q.inputs.map((i) => `--${i.name}`).join(" ");
}

/**
 * Parse `--name value` / `--name=value` pairs left over by the option parser. Names must be
 * the model's inputs.
 */
export function parseInputFlags(q: QuantizedModel, args: readonly string[]): InputTexts {
  const names = q.inputs.map((i) => i.name);
  const out: InputTexts = {};
  for (let k = 0; k < args.length; k++) {
    const arg = args[k];
    if (!arg.startsWith("--")) {
      throw new CliError(`unexpected argument "${arg}"`, { details: `Pass inputs as ${inputList(q)} with a value each.` });
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (!names.includes(name)) {
      throw new CliError(`unknown option --${name}: the model's inputs are ${names.join(", ")}`, { details: `Pass ${inputList(q)} (see \`zkinfer prove --help\`).` });
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      value = args[k + 1];
      k++;
    }
    if (value === undefined || value === "" || value.startsWith("--")) {
      throw new CliError(`--${name} needs a value`, { details: `E.g. --${name} ${q.features.find((f) => f.name === name)?.min ?? 1}.` });
    }
    if (name in out) throw new CliError(`--${name} is given twice`, { details: "Pass each input once." });
    out[name] = value;
  }
  return out;
}

/** Read an --input JSON file: an object of feature name → number or string. */
export async function readInputFile(q: QuantizedModel, file: string, raw: boolean): Promise<InputTexts> {
  const json = await readJsonFile(file, "input file");
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new CliError(`input file ${file} must hold a JSON object of input name → value`, { details: `E.g. {${q.inputs.map((i) => `"${i.name}": …`).join(", ")}}.` });
  }
  const names = q.inputs.map((i) => i.name);
  const out: InputTexts = {};
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (!names.includes(name)) {
      throw new CliError(`input file ${file}: unknown input "${name}"; the model's inputs are ${names.join(", ")}`, { details: "Remove or rename it." });
    }
    if (typeof value === "number") {
      if (raw && !Number.isSafeInteger(value)) {
        throw new CliError(`input file ${file}: raw "${name}" = ${value} is not exact as a JSON number`, { details: 'Write raw integers as strings, e.g. "1020000000000000000".' });
      }
      out[name] = String(value);
    } else if (typeof value === "string") {
      out[name] = value;
    } else {
      throw new CliError(`input file ${file}: "${name}" must be a number or a decimal string, not ${JSON.stringify(value)}`, { details: "Fix the value." });
    }
  }
  return out;
}

/** Convert input texts to raw on-chain integers, checking presence, syntax and the declared ranges. */
export function toRawInputs(q: QuantizedModel, texts: InputTexts, raw: boolean): bigint[] {
  const missing = q.inputs.filter((i) => texts[i.name] === undefined).map((i) => i.name);
  if (missing.length > 0) {
    throw new CliError(`missing input${missing.length > 1 ? "s" : ""}: ${missing.join(", ")} (the model takes ${q.inputs.length}: ${q.inputs.map((i) => i.name).join(", ")})`, {
      details: `Pass ${missing.map((m) => `--${m} <value>`).join(" ")}, or list them in --input <file.json>.`,
    });
  }
  const values = q.inputs.map((inp) => {
    const text = texts[inp.name].trim();
    if (raw) {
      if (!/^-?\d+$/.test(text)) {
        throw new CliError(`raw input ${inp.name} = ${JSON.stringify(text)} is not an integer`, { details: `With --raw, pass on-chain integers (${inp.decimals} decimals), e.g. ${inp.minRaw}.` });
      }
      return BigInt(text);
    }
    try {
      return toRawUnits(text, inp.decimals, inp.name);
    } catch {
      throw new CliError(`input ${inp.name} = ${JSON.stringify(text)} is not a decimal number with at most ${inp.decimals} decimal places`, {
        details: `Pass a real value in ${inp.unit}, e.g. --${inp.name} ${fromRawUnits(BigInt(inp.minRaw), inp.decimals)} (or on-chain integers with --raw).`,
      });
    }
  });
  try {
    checkRawInputs(q, values);
  } catch (error) {
    if (error instanceof InputOutOfRangeError) {
      const inp = q.inputs.find((i) => i.name === error.feature)!;
      const real = (v: string) => fromRawUnits(BigInt(v), inp.decimals);
      throw new CliError(
        `input ${inp.name} = ${real(error.value)} is outside its declared range [${real(inp.minRaw)}, ${real(inp.maxRaw)}] ${inp.unit}` + (raw ? ` (raw ${error.value})` : ""),
        { details: "Pass a value inside the range: the circuit cannot prove anything else." },
      );
    }
    throw error;
  }
  return values;
}

/** `name=value` pairs in real units, for messages. */
export function describeInputs(q: QuantizedModel, raw: readonly bigint[]): string {
  return q.inputs.map((inp, j) => `${inp.name}=${fromRawUnits(raw[j], inp.decimals)}`).join(", ");
}
/** "0.0912 1/K", from raw units. */
export function formatOutput(q: QuantizedModel, raw: bigint): string {
  return `${q.output.name} = ${fromRawUnits(raw, q.output.decimals)} ${q.output.unit}`;
}
