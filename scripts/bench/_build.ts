import { fixed8Circuit, referenceCircuit } from "./keeper-artifacts.js";
const f = await fixed8Circuit(); console.log("fixed8", f.constraints);
const r = await referenceCircuit(); console.log("reference", r.constraints);
process.exit(0);
