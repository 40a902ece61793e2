// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {Groth16Call} from "./libraries/Groth16Call.sol";
import {RiskRecords} from "./libraries/RiskRecords.sol";
import {IZkinferProofErrors} from "./interfaces/IZkinferErrors.sol";

/// @title ModelRegistry
/// @notice Governance-curated list of proven models. A model is identified by its model id
/// (the Poseidon hash of the quantized model's integers, computed off-chain; a BN254 field
/// element) and bound to the snarkjs Groth16 verifier of its circuit (with constant weights
/// the verifying key is the model commitment). The registry also records the on-chain facts
/// of the model's public signals, so that any consumer can validate a proof generically.
///
/// Public-signal layout of every model: `numOutputs` outputs first, then `numInputs` raw
/// inputs. Input `i` is an unsigned integer with `inputDecimals[i]` decimals (raw = value ·
/// 10^decimals), valid on `[min_i, max_i]` (inclusive, raw units; the circuit enforces the
/// same range). Outputs carry `outputDecimals` decimals.
///
/// Registrations are immutable: the verifier, layout and ranges of a model id never change.
/// A model can only be retired (permanently); a new version is a new model id.
contract ModelRegistry is IZkinferProofErrors, Ownable2Step {
    /// @notice Declared facts of one model input.
    /// @param decimals Decimals of the raw on-chain integer (18 = wad).
    /// @param min Smallest valid raw value (inclusive).
    /// @param max Largest valid raw value (inclusive).
    struct InputSpec {
        uint8 decimals;
        uint128 min;
        uint128 max;
    }

    /// @notice Everything the registry knows about a model.
    struct ModelInfo {
        address verifier;
        bytes4 selector;
        uint8 numOutputs;
        uint8 numInputs;
        uint8 outputDecimals;
        bool retired;
        uint32 registeredAt;
        InputSpec[] inputs;
    }

    /// @dev One storage slot (20 + 1 + 1 + 1 + 1 + 4 = 28 bytes). The immutable part of the
    /// record (verifier, selector, input ranges) lives in the code of `data`, written once at
    /// registration, because reading it with one EXTCODECOPY is cheaper on every proof check
    /// than one cold SLOAD per input. Layout of that code: a 0x00 (STOP) byte, then
    /// `verifier (20 bytes) ‖ selector (4) ‖ zero (8)`, then per input `min (16) ‖ max (16)`.
    struct Model {
        address data;
        uint8 numOutputs;
        uint8 numInputs;
        uint8 outputDecimals;
        bool retired;
        uint32 registeredAt;
    }

    /// @notice Upper bound on outputs + inputs of a model (keeps checks and calldata bounded).
    uint256 public constant MAX_SIGNALS = 32;
    /// @notice Upper bound on any decimals value (10^36 keeps wad arithmetic far from overflow).
    uint8 public constant MAX_DECIMALS = 36;

    /// @notice Option facts of a model, written once (`setOptionTerms`), in wad fractions of
    /// the strike (the unit of the model's priceOverStrike output).
    /// @param kind 0 = not set, 1 = call, 2 = put: the only kind of series the model may price.
    /// @param quantizationBound Guaranteed worst-case |float − quantized| over the declared
    /// input domain (quantize report `guaranteedBound`), rounded up to wad.
    /// @param referenceError Measured worst |float model − reference price| (e.g. Black–Scholes)
    /// over the evaluation set, rounded up to wad.
    struct OptionTerms {
        uint8 kind;
        uint64 quantizationBound;
        uint64 referenceError;
    }

    uint8 public constant KIND_CALL = 1;
    uint8 public constant KIND_PUT = 2;

    /// @notice What governance provides to give a model a risk-vector circuit (see
    /// docs/circuits.md, "Risk-vector circuit"): its own Groth16 verifier and the constants of
    /// the circuit. Shocks are k / 2^shockBits relative moves of the spot input (moneyness) and
    /// the volatility input; scenario (i, j) = (spotShocks[i], volShocks[j]) has index
    /// i · volShocks.length + j (spot-major).
    /// @param verifier The risk circuit's snarkjs verifier (N = packed signals + inputs).
    /// @param shockBits b in [1, 32].
    /// @param spotShocks Ascending, distinct, in (−2^b, 2^b), containing 0; 2 to 8 of them.
    /// @param volShocks Same rules as spotShocks.
    /// @param deltaStep Index in spotShocks of the finite-difference step +h (h > 0, −h in the grid).
    /// @param spotInput Index of the shocked spot input (moneyness) among the model inputs.
    /// @param volInput Index of the shocked volatility input.
    /// @param priceWidth w: bits of one packed price component (the output quotient + 2^(w−1)),
    /// in [2, 120]; dP takes w + 1 bits, d2P w + 2.
    /// @param factor Raw output units (output decimals) per quotient unit (> 0).
    /// @param spotMarkMin Smallest spot input the circuit accepts (all shocked points in the
    /// declared range), raw; spotMarkMax the largest. Within the declared range.
    /// @param volMarkMin As spotMarkMin for the volatility input; volMarkMax the largest.
    /// @param payoffKind The model's payoff skip (src/layers/payoff.ts): 0 none, else the
    /// option kind of the payoff it adds (KIND_CALL: relu(x − K), KIND_PUT: relu(K − x)), which
    /// must be the model's option kind (`setOptionTerms` first). The circuit proves the network's
    /// time value only; `riskValues` adds the exact payoff at every shocked point.
    /// @param payoffInput Index of the payoff's input (0 without a skip).
    /// @param payoffStrike K in raw units of that input (0 without a skip).
    /// @param payoffFactor Raw output units per raw input unit, > 0 (0 without a skip).
    struct RiskLayout {
        address verifier;
        uint8 shockBits;
        int32[] spotShocks;
        int32[] volShocks;
        uint8 deltaStep;
        uint8 spotInput;
        uint8 volInput;
        uint8 priceWidth;
        uint64 factor;
        uint128 spotMarkMin;
        uint128 spotMarkMax;
        uint128 volMarkMin;
        uint128 volMarkMax;
        uint8 payoffKind;
        uint8 payoffInput;
        uint128 payoffStrike;
        uint64 payoffFactor;
    }

    /// @notice A registered risk circuit with what a consumer needs to decode its signals.
    /// Public signals: `numPacked` packed outputs, then the model's inputs. Components in
    /// packing order: the mark, the other scenarios in grid order, dP, d2P; component c is
    /// `value + offset` in `width` bits (prices: w bits, offset 2^(w−1); dP: w + 1, 2^w; d2P:
    /// w + 2, 2^(w+1)), least significant first, a new signal starting when the next component
    /// would pass PACK_BITS. `gridHash = keccak256(abi.encode(shockBits, spotShocks, volShocks,
    /// deltaStep))` (uint8, int32[], int32[], uint8): equal grids, equal hash.
    struct RiskCircuit {
        address verifier;
        bytes4 selector;
        uint8 numPacked;
        uint8 numScenarios;
        uint8 markScenario;
        uint8 priceWidth;
        uint8 shockBits;
        uint8 spotInput;
        uint8 volInput;
        uint8 deltaStep;
        int32 deltaShock;
        uint64 factor;
        bytes32 gridHash;
        uint128 spotMarkMin;
        uint128 spotMarkMax;
        uint128 volMarkMin;
        uint128 volMarkMax;
        int32[] spotShocks;
        int32[] volShocks;
        uint8 payoffKind;
        uint8 payoffInput;
        uint128 payoffStrike;
        uint64 payoffFactor;
    }

    /// @notice Largest packed public signal of a risk circuit, bits (below the field order).
    uint256 public constant PACK_BITS = 252;
    /// @notice Most shocks per axis of a risk grid.
    uint256 public constant MAX_SHOCKS = 8;
    /// @notice Bound (exclusive) of a risk circuit's largest shocked moneyness, wad: 2^17 · 2e13
    /// (2.62144), what the feed's 17-bit scenario lanes (units of 2e-5 of the strike) hold.
    uint256 public constant MAX_SHOCKED_MONEYNESS = (1 << RiskRecords.LANE_BITS) * RiskRecords.SCENARIO_UNIT;

    mapping(uint256 modelId => Model) internal _models;
    mapping(uint256 modelId => OptionTerms) internal _optionTerms;
    mapping(uint256 modelId => uint8[]) internal _inputDecimals;
    uint256[] internal _modelIds;
    /// @dev Per model with a risk circuit, the address of its record: immutable, so kept as
    /// contract code (as a model's `data`): a 0x00 (STOP) byte, then `abi.encode(RiskCircuit)`.
    /// One EXTCODECOPY reads it on every risk proof, where the struct in storage took one cold
    /// SLOAD per slot (ten for a 2-axis grid).
    mapping(uint256 modelId => address) internal _riskRecords;

    /// @notice A model was registered with its verifier and public-signal facts.
    event ModelRegistered(
        uint256 indexed modelId,
        address indexed verifier,
        bytes4 selector,
        uint8 numOutputs,
        uint8 numInputs,
        uint8 outputDecimals,
        InputSpec[] inputs
    );
    /// @notice A model was retired: its proofs are no longer accepted.
    event ModelRetired(uint256 indexed modelId);
    /// @notice A model's option kind and error band were recorded (once).
    event OptionTermsSet(uint256 indexed modelId, uint8 kind, uint256 quantizationBound, uint256 referenceError);
    /// @notice A model was given its risk-vector circuit (once).
    event RiskCircuitRegistered(
        uint256 indexed modelId,
        address indexed verifier,
        bytes32 gridHash,
        uint8 numScenarios,
        uint8 numPacked,
        uint8 markScenario
    );

    /// @dev The model id is 0 or not below the BN254 scalar field order.
    error InvalidModelId(uint256 modelId);
    /// @dev The model id was registered before (retired ids are never reused).
    error ModelAlreadyRegistered(uint256 modelId);
    /// @dev No model was ever registered under this id.
    error ModelNotRegistered(uint256 modelId);
    /// @dev The model was retired by governance.
    error RetiredModel(uint256 modelId);
    /// @dev The verifier address has no contract code.
    error VerifierHasNoCode(address verifier);
    /// @dev A model needs at least one output and one input, and at most MAX_SIGNALS signals.
    error InvalidSignalLayout(uint256 numOutputs, uint256 numInputs);
    /// @dev A decimals value exceeds MAX_DECIMALS (`index` = type(uint256).max for the output).
    error DecimalsTooLarge(uint256 index, uint8 decimals);
    /// @dev An input range is empty (min > max).
    error InvalidInputRange(uint256 index, uint256 min, uint256 max);
    /// @dev The verifier did not answer `verifyProof` with N signals by an ABI-encoded bool.
    error VerifierProbeFailed(address verifier, bytes4 selector);
    /// @dev A public signal is not below the BN254 scalar field order.
    error SignalNotInField(uint256 index, uint256 value);
    /// @dev An input signal is outside the model's declared range.
    error InputOutOfRange(uint256 inputIndex, uint256 value, uint256 min, uint256 max);
    /// @dev Writing the model record as contract code failed.
    error RecordWriteFailed();
    /// @dev The option kind is not 1 (call) or 2 (put).
    error InvalidOptionKind(uint8 kind);
    /// @dev The model's option terms were already recorded (they are immutable).
    error OptionTermsAlreadySet(uint256 modelId);
    /// @dev The model already has a risk circuit (it is immutable).
    error RiskCircuitAlreadyRegistered(uint256 modelId);
    /// @dev The model has no risk circuit.
    error NoRiskCircuit(uint256 modelId);
    /// @dev shockBits is not in [1, 32].
    error InvalidShockBits(uint8 shockBits);
    /// @dev A shock list has fewer than 2 or more than MAX_SHOCKS entries (`axis` 0 spot, 1 vol).
    error InvalidShockCount(uint256 axis, uint256 count);
    /// @dev Shock `index` of an axis (0 spot, 1 vol) is out of (−2^b, 2^b) or not above its
    /// predecessor; `index == count` means the list lacks the 0 shock.
    error InvalidShock(uint256 axis, uint256 index, int256 shock);
    /// @dev deltaStep does not index a positive spot shock whose negative is in the grid.
    error InvalidDeltaStep(uint8 deltaStep);
    /// @dev The shocked inputs are not two distinct model inputs.
    error InvalidRiskInputs(uint8 spotInput, uint8 volInput);
    /// @dev priceWidth is not in [2, 120].
    error InvalidPriceWidth(uint8 priceWidth);
    /// @dev The risk circuit's output factor is 0.
    error InvalidRiskFactor();
    /// @dev A mark range is empty, not within the input's declared range, or (spot) so high that
    /// a shocked moneyness reaches `MAX_SHOCKED_MONEYNESS` (2^17 · 2e13: a call's scenario price
    /// would not fit the feed's 17-bit scenario lanes of 2e-5 of the strike).
    error InvalidMarkRange(uint256 inputIndex, uint256 min, uint256 max);
    /// @dev A shocked input is outside the risk circuit's mark range (no proof can exist).
    error RiskMarkOutOfRange(uint256 inputIndex, uint256 value, uint256 min, uint256 max);
    /// @notice A risk layout's payoff skip kind is not the model's option kind (`optionKind`, 0
    /// when never set).
    error PayoffSkipMismatch(uint256 modelId, uint8 payoffKind, uint8 optionKind);
    /// @notice A payoff skip whose input is not a model input or whose factor is 0, or a layout
    /// without a skip whose payoff fields are not all 0.
    error InvalidPayoffSkip(uint8 payoffInput, uint128 payoffStrike, uint64 payoffFactor);

    constructor(address initialOwner) Ownable(initialOwner) {}

    // ---------------------------------------------------------------- governance

    /// @notice Register `modelId` with its verifier and the facts of its public signals.
    /// @dev Probes the verifier once with an all-zero proof to make sure it answers the
    /// selector for N = numOutputs + inputs.length with an ABI bool (a verifier built for
    /// another N would revert), so a mismatched registration cannot brick a model id.
    /// The probe costs one pairing check (about 200k gas) at registration only.
    /// @param modelId Poseidon hash of the quantized model (field element, non-zero).
    /// @param verifier The model's snarkjs Groth16 verifier.
    /// @param numOutputs Number of output signals (first in the public-signal list).
    /// @param outputDecimals Decimals of every output.
    /// @param inputs Per-input decimals and inclusive raw range, in signal order.
    function registerModel(
        uint256 modelId,
        address verifier,
        uint8 numOutputs,
        uint8 outputDecimals,
        InputSpec[] calldata inputs
    ) external onlyOwner {
        if (modelId == 0 || modelId >= Groth16Call.SNARK_SCALAR_FIELD) revert InvalidModelId(modelId);
        if (_models[modelId].data != address(0)) revert ModelAlreadyRegistered(modelId);
        if (verifier.code.length == 0) revert VerifierHasNoCode(verifier);
        uint256 numInputs = inputs.length;
        if (numOutputs == 0 || numInputs == 0 || numOutputs + numInputs > MAX_SIGNALS) {
            revert InvalidSignalLayout(numOutputs, numInputs);
        }
        if (outputDecimals > MAX_DECIMALS) revert DecimalsTooLarge(type(uint256).max, outputDecimals);

        bytes4 selector = Groth16Call.selectorFor(numOutputs + numInputs);
        _probe(verifier, selector, numOutputs + numInputs);

        bytes memory record = abi.encodePacked(hex"00", verifier, selector, bytes8(0));
        uint8[] storage decimals = _inputDecimals[modelId];
        for (uint256 i; i < numInputs; ++i) {
            InputSpec calldata spec = inputs[i];
            if (spec.decimals > MAX_DECIMALS) revert DecimalsTooLarge(i, spec.decimals);
            if (spec.min > spec.max) revert InvalidInputRange(i, spec.min, spec.max);
            record = abi.encodePacked(record, spec.min, spec.max);
            decimals.push(spec.decimals);
        }
        _models[modelId] = Model({
            data: _writeRecord(record),
            numOutputs: numOutputs,
            numInputs: uint8(numInputs),
            outputDecimals: outputDecimals,
            retired: false,
            registeredAt: uint32(block.timestamp)
        });
        _modelIds.push(modelId);
        emit ModelRegistered(modelId, verifier, selector, numOutputs, uint8(numInputs), outputDecimals, inputs);
    }

    /// @notice Retire a model permanently: its proofs are rejected from now on.
    function retireModel(uint256 modelId) external onlyOwner {
        Model storage m = _models[modelId];
        if (m.data == address(0)) revert ModelNotRegistered(modelId);
        if (m.retired) revert RetiredModel(modelId);
        m.retired = true;
        emit ModelRetired(modelId);
    }

    /// @notice Record, once, which option kind `modelId` prices and its error band (wad
    /// fractions of the strike). The engine's spread is at least `errorBand(modelId)`.
    /// Allowed on a retired model too (the record is history); immutable afterwards.
    function setOptionTerms(uint256 modelId, uint8 kind, uint64 quantizationBound, uint64 referenceError)
        external
        onlyOwner
    {
        if (_models[modelId].data == address(0)) revert ModelNotRegistered(modelId);
        if (kind != KIND_CALL && kind != KIND_PUT) revert InvalidOptionKind(kind);
        if (_optionTerms[modelId].kind != 0) revert OptionTermsAlreadySet(modelId);
        _optionTerms[modelId] = OptionTerms(kind, quantizationBound, referenceError);
        emit OptionTermsSet(modelId, kind, quantizationBound, referenceError);
    }

    /// @notice Give `modelId` its risk-vector circuit, once (see `RiskLayout`). Validates the
    /// grid and ranges, derives the packing, the grid hash and the scenario indices, and
    /// probes the verifier for N = packed signals + inputs (as `registerModel`).
    function registerRiskCircuit(uint256 modelId, RiskLayout calldata l) external onlyOwner {
        Model memory m = _models[modelId];
        if (m.data == address(0)) revert ModelNotRegistered(modelId);
        if (_riskRecords[modelId] != address(0)) revert RiskCircuitAlreadyRegistered(modelId);
        if (l.verifier.code.length == 0) revert VerifierHasNoCode(l.verifier);
        if (l.shockBits == 0 || l.shockBits > 32) revert InvalidShockBits(l.shockBits);
        _checkShocks(0, l.spotShocks, l.shockBits);
        _checkShocks(1, l.volShocks, l.shockBits);
        if (l.spotInput >= m.numInputs || l.volInput >= m.numInputs || l.spotInput == l.volInput) {
            revert InvalidRiskInputs(l.spotInput, l.volInput);
        }
        if (l.priceWidth < 2 || l.priceWidth > 120) revert InvalidPriceWidth(l.priceWidth);
        if (l.factor == 0) revert InvalidRiskFactor();
        int32 h;
        {
            bool ok = l.deltaStep < l.spotShocks.length && l.spotShocks[l.deltaStep] > 0;
            if (ok) {
                h = l.spotShocks[l.deltaStep];
                ok = false;
                for (uint256 i; i < l.spotShocks.length; ++i) {
                    if (l.spotShocks[i] == -h) ok = true;
                }
            }
            if (!ok) revert InvalidDeltaStep(l.deltaStep);
        }
        if (l.payoffKind != 0) {
            uint8 kind = _optionTerms[modelId].kind;
            if (l.payoffKind != kind) revert PayoffSkipMismatch(modelId, l.payoffKind, kind);
            if (l.payoffInput >= m.numInputs || l.payoffFactor == 0) {
                revert InvalidPayoffSkip(l.payoffInput, l.payoffStrike, l.payoffFactor);
            }
        } else if (l.payoffInput != 0 || l.payoffStrike != 0 || l.payoffFactor != 0) {
            revert InvalidPayoffSkip(l.payoffInput, l.payoffStrike, l.payoffFactor);
        }
        bytes memory record = _readRecord(m.data, m.numInputs);
        _checkMarkRange(record, l.spotInput, l.spotMarkMin, l.spotMarkMax, true);
        _checkMarkRange(record, l.volInput, l.volMarkMin, l.volMarkMax, false);
        // A call's scenario price is at most its shocked moneyness, which must fit the feed's
        // 17-bit scenario lanes (units of 2e-5 of the strike): else a mark in range could never
        // be stored as a risk vector. Shocks are ascending, so the last is the largest (>= 0).
        if (uint256(l.spotMarkMax) * uint256(int256(1 << l.shockBits) + l.spotShocks[l.spotShocks.length - 1]) >= MAX_SHOCKED_MONEYNESS << l.shockBits) {
            revert InvalidMarkRange(l.spotInput, l.spotMarkMin, l.spotMarkMax);
        }

        RiskCircuit memory r;
        uint256 numScenarios = l.spotShocks.length * l.volShocks.length;
        uint256 numPacked = riskPackedSignals(numScenarios, l.priceWidth);
        bytes4 selector = Groth16Call.selectorFor(numPacked + m.numInputs);
        _probe(l.verifier, selector, numPacked + m.numInputs);
        uint256 markScenario;
        for (uint256 i; i < l.spotShocks.length; ++i) {
            for (uint256 j; j < l.volShocks.length; ++j) {
                if (l.spotShocks[i] == 0 && l.volShocks[j] == 0) markScenario = i * l.volShocks.length + j;
            }
        }
        r.verifier = l.verifier;
        r.selector = selector;
        r.numPacked = uint8(numPacked);
        r.numScenarios = uint8(numScenarios);
        r.markScenario = uint8(markScenario);
        r.priceWidth = l.priceWidth;
        r.shockBits = l.shockBits;
        r.spotInput = l.spotInput;
        r.volInput = l.volInput;
        r.deltaStep = l.deltaStep;
        r.deltaShock = h;
        r.factor = l.factor;
        r.gridHash = riskGridHash(l.shockBits, l.spotShocks, l.volShocks, l.deltaStep);
        r.spotMarkMin = l.spotMarkMin;
        r.spotMarkMax = l.spotMarkMax;
        r.volMarkMin = l.volMarkMin;
        r.volMarkMax = l.volMarkMax;
        r.spotShocks = l.spotShocks;
        r.volShocks = l.volShocks;
        r.payoffKind = l.payoffKind;
        r.payoffInput = l.payoffInput;
        r.payoffStrike = l.payoffStrike;
        r.payoffFactor = l.payoffFactor;
        _riskRecords[modelId] = _writeRecord(abi.encodePacked(hex"00", abi.encode(r)));
        emit RiskCircuitRegistered(
            modelId, l.verifier, r.gridHash, uint8(numScenarios), uint8(numPacked), uint8(markScenario)
        );
    }

    /// @notice The model's option terms (kind 0 when never set).
    function optionTermsOf(uint256 modelId) external view returns (OptionTerms memory) {
        return _optionTerms[modelId];
    }

    /// @notice quantizationBound + referenceError, wad fraction of the strike.
    function errorBand(uint256 modelId) external view returns (uint256) {
        OptionTerms memory t = _optionTerms[modelId];
        return uint256(t.quantizationBound) + t.referenceError;
    }

    // ---------------------------------------------------------------- checks

    /// @notice Validate public signals for an active model without checking a proof:
    /// count = numOutputs + numInputs, every signal below the field order, every input
    /// within its declared range.
    /// @return verifier The model's verifier.
    /// @return selector The verifier's `verifyProof` selector for this model's N.
    function checkSignals(uint256 modelId, uint256[] calldata signals)
        public
        view
        returns (address verifier, bytes4 selector)
    {
        Model memory m = _models[modelId];
        return _checkSignals(modelId, m, m.numOutputs, signals);
    }

    /// @notice Validate the public signals of a risk proof for an active model with a risk
    /// circuit, without checking the proof: count = numPacked + numInputs, the packed signals
    /// below the field order, every input within its declared range (as `checkSignals`), and
    /// the shocked inputs within the risk circuit's mark ranges (`RiskMarkOutOfRange`).
    /// @return r The risk circuit (its verifier, selector and layout).
    function checkRiskSignals(uint256 modelId, uint256[] calldata signals)
        external
        view
        returns (RiskCircuit memory r)
    {
        r = _riskCircuit(modelId);
        _checkRiskSignals(modelId, r, signals);
    }

    /// @notice The components of a risk proof's packed signals (registry layout, not checked
    /// here: see `checkRiskSignals`) in raw output units: `v[t]` the price of scenario t in grid
    /// order (t < numScenarios), then dP = P(+h) − P(−h) and d2P = P(+h) − 2·P(0) + P(−h) (the
    /// vol-0 scenarios at ±h and the mark). A price is the proven quotient · factor plus, for a
    /// payoff-skip model, the exact payoff at the scenario's shocked input x·(2^b + k)/2^b
    /// (k the scenario's shock of the payoff input, 0 if the grid does not shock it):
    /// ⌊relu(±(x·(2^b + k) − 2^b·K)) · payoffFactor / 2^b⌋; dP and d2P get the same differences
    /// of these payoffs (the TypeScript `decodeRiskSignals`, bit for bit).
    function riskValues(uint256 modelId, uint256[] calldata signals) external view returns (int256[] memory v) {
        RiskCircuit memory r = _riskCircuit(modelId);
        if (r.verifier == address(0)) revert NoRiskCircuit(modelId);
        v = _riskValues(r, signals);
    }

    /// @notice `checkRiskSignals` and then `riskValues` in one call (what `submitRisk` reads):
    /// the same checks with the same errors, the risk circuit and the components.
    function checkedRiskValues(uint256 modelId, uint256[] calldata signals)
        public
        view
        returns (RiskCircuit memory r, int256[] memory v)
    {
        r = _riskCircuit(modelId);
        _checkRiskSignals(modelId, r, signals);
        v = _riskValues(r, signals);
    }

    /// @notice `checkedRiskValues`, then the form `OptionPriceFeed.submitRisk` stores
    /// (`RiskRecords.pack`) for a series of that rate, kind and strike; `pk` is all zero unless
    /// the circuit has the option layout (spot input 0, volatility input 2, at most
    /// `RiskRecords.MAX_SCENARIOS` scenarios: the feed refuses other layouts).
    function checkedRiskRecord(uint256 modelId, uint256[] calldata signals, uint256 rate, bool isCall, uint256 strike)
        external
        view
        returns (RiskCircuit memory r, RiskRecords.Packed memory pk)
    {
        int256[] memory v;
        (r, v) = checkedRiskValues(modelId, signals);
        if (r.spotInput != 0 || r.volInput != 2 || r.numScenarios > RiskRecords.MAX_SCENARIOS) return (r, pk);
        uint256 at = r.numPacked;
        pk = RiskRecords.pack(r, v, signals[at], signals[at + 1], rate, isCall, strike);
    }

    /// @dev The risk circuit of `modelId` from its record; all zero (no verifier) without one.
    function _riskCircuit(uint256 modelId) internal view returns (RiskCircuit memory r) {
        address data = _riskRecords[modelId];
        if (data == address(0)) return r;
        bytes memory record;
        assembly ("memory-safe") {
            let size := sub(extcodesize(data), 1)
            record := mload(0x40)
            mstore(record, size)
            extcodecopy(data, add(record, 0x20), 1, size)
            mstore(0x40, add(add(record, 0x20), size))
        }
        r = abi.decode(record, (RiskCircuit));
    }

    /// @dev The checks of `checkRiskSignals` (`r` as `_riskCircuit` returns it).
    function _checkRiskSignals(uint256 modelId, RiskCircuit memory r, uint256[] calldata signals) internal view {
        Model memory m = _models[modelId];
        if (m.data != address(0) && r.verifier == address(0)) revert NoRiskCircuit(modelId);
        _checkSignals(modelId, m, r.numPacked, signals);
        uint256 spot = signals[r.numPacked + r.spotInput];
        if (spot < r.spotMarkMin || spot > r.spotMarkMax) {
            revert RiskMarkOutOfRange(r.spotInput, spot, r.spotMarkMin, r.spotMarkMax);
        }
        uint256 vol = signals[r.numPacked + r.volInput];
        if (vol < r.volMarkMin || vol > r.volMarkMax) {
            revert RiskMarkOutOfRange(r.volInput, vol, r.volMarkMin, r.volMarkMax);
        }
    }

    /// @dev `riskValues` of a registered risk circuit `r`.
    function _riskValues(RiskCircuit memory r, uint256[] calldata signals) internal pure returns (int256[] memory v) {
        v = _unpackRisk(signals, r.numScenarios, r.priceWidth, r.markScenario, r.factor);
        if (r.payoffKind != 0) _addPayoffs(r, v, signals[r.numPacked + r.payoffInput]);
    }

    /// @dev Add the payoff skip at the payoff input's value `input` to the unpacked components
    /// `v` (see `riskValues`).
    function _addPayoffs(RiskCircuit memory r, int256[] memory v, uint256 input) internal pure {
        uint256 n = r.numScenarios;
        uint256 j = r.payoffInput;
        // The payoff depends on the scenario only through the shock of its input: one value per
        // shock of that axis (a single one, unshocked, if the grid does not shock the input).
        bool onSpot = j == r.spotInput;
        bool onVol = !onSpot && j == r.volInput;
        int32[] memory ks = onSpot ? r.spotShocks : (onVol ? r.volShocks : new int32[](1));
        int256[] memory pay = _riskPayoffs(r, ks, input);
        uint256 nv = r.volShocks.length;
        for (uint256 t; t < n; ++t) {
            v[t] += pay[onSpot ? t / nv : (onVol ? t % nv : 0)];
        }
        // dP and d2P take the payoffs at the spot steps ±h and the mark (vol shock 0): they
        // differ only when the payoff's input is the spot (otherwise the differences are 0).
        if (onSpot) {
            uint256 up = r.deltaStep;
            uint256 down;
            int256 minusH = -int256(r.deltaShock);
            for (uint256 i; i < ks.length; ++i) {
                if (ks[i] == minusH) down = i;
            }
            v[n] += pay[up] - pay[down];
            v[n + 1] += pay[up] - 2 * pay[r.markScenario / nv] + pay[down];
        }
    }

    /// @dev The packed components times `factor`: scenario prices in grid order, dP, d2P.
    function _unpackRisk(uint256[] calldata packed, uint256 n, uint256 w, uint256 markIndex, uint64 factor)
        internal
        pure
        returns (int256[] memory v)
    {
        v = new int256[](n + 2);
        uint256 sig;
        uint256 used;
        // n <= 64 scenarios, w <= 120 (registration): no index, shift or product below overflows.
        unchecked {
            for (uint256 i; i < n + 2; ++i) {
                uint256 width = i < n ? w : w + 1 + (i - n);
                if (used + width > PACK_BITS) {
                    ++sig;
                    used = 0;
                }
                // offset 2^(width − 1) for every component (prices w, dP w + 1, d2P w + 2).
                int256 c = int256((packed[sig] >> used) & ((uint256(1) << width) - 1)) - (int256(1) << (width - 1));
                used += width;
                // Components: the mark, the other scenarios in grid order, dP, d2P.
                v[i == 0 ? markIndex : (i < n ? (i <= markIndex ? i - 1 : i) : i)] = c * int256(uint256(factor));
            }
        }
    }

    /// @dev The payoff skip (see `riskValues`) at the payoff input's value `input` shocked by
    /// each of `ks`, raw output units.
    function _riskPayoffs(RiskCircuit memory r, int32[] memory ks, uint256 input) internal pure returns (int256[] memory pay) {
        pay = new int256[](ks.length);
        bool put = r.payoffKind == KIND_PUT;
        uint256 b = r.shockBits;
        uint256 factor = r.payoffFactor;
        int256 d = int256(1) << b;
        // Inputs are within their declared uint128 ranges (`checkRiskSignals`).
        int256 x = int256(input);
        int256 strike = int256(uint256(r.payoffStrike));
        for (uint256 i; i < ks.length; ++i) {
            int256 a = x * (d + ks[i]) - d * strike;
            if (put) a = -a;
            if (a > 0) pay[i] = int256((uint256(a) * factor) >> b);
        }
    }

    /// @dev `numOutputs` leading signals below the field order, then the model's inputs within
    /// their declared ranges; returns the model's (price) verifier and selector.
    function _checkSignals(uint256 modelId, Model memory m, uint256 numOutputs, uint256[] calldata signals)
        internal
        view
        returns (address verifier, bytes4 selector)
    {
        if (m.data == address(0)) revert ModelNotRegistered(modelId);
        if (m.retired) revert RetiredModel(modelId);
        uint256 n = numOutputs + m.numInputs;
        if (signals.length != n) revert SignalCountMismatch(n, signals.length);
        for (uint256 i; i < numOutputs; ++i) {
            if (signals[i] >= Groth16Call.SNARK_SCALAR_FIELD) revert SignalNotInField(i, signals[i]);
        }
        bytes memory record = _readRecord(m.data, m.numInputs);
        uint256 header;
        assembly ("memory-safe") {
            header := mload(add(record, 0x20))
        }
        verifier = address(uint160(header >> 96));
        selector = bytes4(uint32(header >> 64));
        // Inputs are <= a uint128 max once in range, hence below the field order.
        for (uint256 i = numOutputs; i < n; ++i) {
            uint256 value = signals[i];
            uint256 word;
            uint256 k = i - numOutputs;
            assembly ("memory-safe") {
                word := mload(add(record, add(0x40, shl(5, k))))
            }
            uint256 min = word >> 128;
            uint256 max = uint128(word);
            if (value < min || value > max) {
                if (value >= Groth16Call.SNARK_SCALAR_FIELD) revert SignalNotInField(i, value);
                revert InputOutOfRange(k, value, min, max);
            }
        }
    }

    /// @notice Revert unless `(a, b, c)` proves `signals` for the active model `modelId`
    /// (all `checkSignals` conditions, then the verifier must return exactly `true`).
    function requireValidProof(
        uint256 modelId,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[] calldata signals
    ) external view {
        (address verifier, bytes4 selector) = checkSignals(modelId, signals);
        if (!Groth16Call.verify(verifier, selector, a, b, c, signals)) revert InvalidProof();
    }

    // ---------------------------------------------------------------- reads

    /// @notice True if the model is registered and not retired.
    function isActive(uint256 modelId) external view returns (bool) {
        Model storage m = _models[modelId];
        return m.data != address(0) && !m.retired;
    }

    /// @notice All facts of a model; reverts if it was never registered.
    function getModel(uint256 modelId) external view returns (ModelInfo memory info) {
        Model memory m = _models[modelId];
        if (m.data == address(0)) revert ModelNotRegistered(modelId);
        bytes memory record = _readRecord(m.data, m.numInputs);
        uint256 header;
        assembly ("memory-safe") {
            header := mload(add(record, 0x20))
        }
        info.verifier = address(uint160(header >> 96));
        info.selector = bytes4(uint32(header >> 64));
        info.numOutputs = m.numOutputs;
        info.numInputs = m.numInputs;
        info.outputDecimals = m.outputDecimals;
        info.retired = m.retired;
        info.registeredAt = m.registeredAt;
        info.inputs = new InputSpec[](m.numInputs);
        uint8[] storage decimals = _inputDecimals[modelId];
        for (uint256 i; i < m.numInputs; ++i) {
            uint256 word;
            assembly ("memory-safe") {
                word := mload(add(record, add(0x40, shl(5, i))))
            }
            info.inputs[i] = InputSpec({decimals: decimals[i], min: uint128(word >> 128), max: uint128(word)});
        }
    }

    /// @notice Whether the model has a risk circuit.
    function hasRiskCircuit(uint256 modelId) external view returns (bool) {
        return _riskRecords[modelId] != address(0);
    }

    /// @notice The model's risk circuit; reverts `NoRiskCircuit` if it has none.
    function riskCircuitOf(uint256 modelId) external view returns (RiskCircuit memory r) {
        r = _riskCircuit(modelId);
        if (r.verifier == address(0)) revert NoRiskCircuit(modelId);
    }

    /// @notice The grid hash of a risk grid: keccak256(abi.encode(shockBits, spotShocks,
    /// volShocks, deltaStep)) with types (uint8, int32[], int32[], uint8).
    function riskGridHash(uint8 shockBits, int32[] memory spotShocks, int32[] memory volShocks, uint8 deltaStep)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(shockBits, spotShocks, volShocks, deltaStep));
    }

    /// @notice Packed public signals of a risk circuit with `numScenarios` scenarios of
    /// `priceWidth` bits (components: numScenarios prices, dP, d2P; greedy, PACK_BITS each).
    function riskPackedSignals(uint256 numScenarios, uint256 priceWidth) public pure returns (uint256 signals) {
        uint256 used;
        signals = 1;
        for (uint256 c; c < numScenarios + 2; ++c) {
            uint256 width = c < numScenarios ? priceWidth : priceWidth + 1 + (c - numScenarios);
            if (used + width > PACK_BITS) {
                ++signals;
                used = 0;
            }
            used += width;
        }
    }

    /// @notice Number of model ids ever registered (retired ones included).
    function modelCount() external view returns (uint256) {
        return _modelIds.length;
    }

    /// @notice The `index`-th registered model id, in registration order.
    function modelIdAt(uint256 index) external view returns (uint256) {
        return _modelIds[index];
    }

    // ---------------------------------------------------------------- internal

    /// @dev Deploy a contract whose code is `record` (which starts with a STOP byte, so the
    /// contract does nothing when called). Creation code: PUSH2 len, DUP1, PUSH1 12, PUSH1 0,
    /// CODECOPY, PUSH1 0, RETURN (12 bytes), followed by the record.
    function _writeRecord(bytes memory record) internal returns (address data) {
        bytes memory init = abi.encodePacked(hex"61", uint16(record.length), hex"80600c6000396000f3", record);
        assembly ("memory-safe") {
            data := create(0, add(init, 0x20), mload(init))
        }
        if (data == address(0)) revert RecordWriteFailed();
    }

    /// @dev The record without its leading STOP byte: a 32-byte header, then one word per input.
    function _readRecord(address data, uint256 numInputs) internal view returns (bytes memory record) {
        uint256 size = 32 * (1 + numInputs);
        record = new bytes(size);
        assembly ("memory-safe") {
            extcodecopy(data, add(record, 0x20), 1, size)
        }
    }

    /// @dev Count, order, range and the 0 shock of one axis (0 spot, 1 vol).
    function _checkShocks(uint256 axis, int32[] calldata shocks, uint8 bits) internal pure {
        uint256 n = shocks.length;
        if (n < 2 || n > MAX_SHOCKS) revert InvalidShockCount(axis, n);
        int256 one = int256(1) << bits;
        bool hasZero;
        for (uint256 i; i < n; ++i) {
            int256 k = shocks[i];
            if (k <= -one || k >= one || (i > 0 && k <= shocks[i - 1])) revert InvalidShock(axis, i, k);
            if (k == 0) hasZero = true;
        }
        if (!hasZero) revert InvalidShock(axis, n, 0);
    }

    /// @dev min <= max, within input `i`'s declared range, and (spot) max <= 2^62.
    function _checkMarkRange(bytes memory record, uint256 i, uint256 min, uint256 max, bool spot) internal pure {
        uint256 word;
        assembly ("memory-safe") {
            word := mload(add(record, add(0x40, shl(5, i))))
        }
        if (min > max || min < word >> 128 || max > uint128(word) || (spot && max > 1 << 62)) {
            revert InvalidMarkRange(i, min, max);
        }
    }

    /// @dev Call the verifier with an all-zero proof and N zero signals; it must succeed and
    /// return one ABI-encoded bool (its value is irrelevant).
    function _probe(address verifier, bytes4 selector, uint256 n) internal view {
        (bool success, bytes memory ret) = verifier.staticcall(abi.encodePacked(selector, new bytes(32 * (8 + n))));
        if (!success || ret.length != 32 || uint256(bytes32(ret)) > 1) revert VerifierProbeFailed(verifier, selector);
    }
}
