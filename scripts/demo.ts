// Walking-skeleton demo: a tiny hand-written circuit goes compile → setup → prove →
// deploy its verifier on Hardhat's in-process chain → verifyProof.
import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { compileCircuit } from "../src/zk/circom.js";
import { proveGroth16, setupGroth16, toSolidityCalldata } from "../src/zk/groth16.js";
import { requiredPower, resolvePtau } from "../src/zk/ptau.js";
import { compileSolidity } from "../src/zk/solidity.js";

const dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-demo-"));
const compiled = await compileCircuit({ circuit: "circuits/test/skeleton.circom", outDir: dir });
console.log(`compiled: ${compiled.constraints} constraint(s)`);
const ptau = await resolvePtau({ power: requiredPower(compiled.constraints, 2) });
const keys = await setupGroth16({ r1csPath: compiled.r1csPath, ptauPath: ptau.path, outDir: dir, name: "skeleton" });
const { proof, publicSignals } = await proveGroth16({ wasmPath: compiled.wasmPath, zkeyPath: keys.zkeyPath, input: { x: "6", y: "7" } });
console.log(`proved: out = ${publicSignals[0]} for public x = ${publicSignals[1]}`);
const built = compileSolidity(await readFile(keys.verifierPath, "utf8"), keys.verifierContractName);
const { ethers } = await hre.network.connect();
const [deployer] = await ethers.getSigners();
const verifier = await new ethers.ContractFactory(built.abi as never, built.bytecode, deployer).deploy();
await verifier.waitForDeployment();
const cd = toSolidityCalldata(proof, publicSignals);
const ok = await (verifier as unknown as { verifyProof: (...a: unknown[]) => Promise<boolean> }).verifyProof(cd.a, cd.b, cd.c, cd.publicSignals);
console.log(`on-chain verifyProof: ${ok}`);
