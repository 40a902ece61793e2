// Mutants of the contracts: each removes (or disarms) one statement check of
// `OptionPriceFeed.submit`, `OptionPriceFeed.settle` or a `MarginEngine` guard. The listed test
// files must notice by behaviour (none of them pins a constraint count). Applied by the
// mutation runner (scripts/mutants.ts) to a scratch copy; `search` occurs exactly once in `file`.
// Not listed: the feed's own signal-count check, which is equivalent (the registry's
// `checkSignals` refuses the same statements with the same error before any index is read).

/** One mutant (the runner's `Mutant` shape). */
interface ContractMutant {
  id: string;
  file: string;
  search: string;
  replace: string;
  tests: string[];
  why: string;
}

const FEED = "contracts/OptionPriceFeed.sol";
const RISK_RECORDS = "contracts/libraries/RiskRecords.sol";
const ENGINE = "contracts/MarginEngine.sol";
const FEED_T = "test/contracts.feed.test.ts";
const ENGINE_T = "test/contracts.engine.test.ts";
const ATTACKS = "test/contracts.attacks.test.ts";
const GUARDS = "test/contracts.guards.test.ts";
const FUZZ = "test/contracts.margin.fuzz.test.ts";
const REGISTRY = "contracts/ModelRegistry.sol";
const RISK_T = "test/contracts.risk.test.ts";
const MATH = "contracts/libraries/MarginMath.sol";
const PORTFOLIO = "test/contracts.portfolio.test.ts";
const RISK_SKIP_T = "test/contracts.riskSkip.test.ts";

const mutants: ContractMutant[] = [
  // ------------------------------------------------------------- submit
  { id: "submit-expiry", file: FEED, search: "        if (block.timestamp >= s.expiry) revert SeriesExpired(seriesId, s.expiry);\n        if (publicSignals.length", replace: "        if (publicSignals.length", tests: [FEED_T], why: "an expired series keeps taking proven prices instead of settling" },
  { id: "submit-replay-older", file: FEED, search: "        if (observedAt < lastObservedAt) revert ObservationNotNewer(observedAt, lastObservedAt);\n", replace: "", tests: [FEED_T], why: "an older spot round can be replayed over a newer price" },
  { id: "submit-replay-same-pair", file: FEED, search: "        if (observedAt == lastObservedAt && acc.volRound == s.lastVolRound) {", replace: "        if (false) {", tests: [FEED_T, ATTACKS], why: "the same (spot round, vol round) statement is accepted twice: low then high mark in one round" },
  { id: "submit-sequencer", file: FEED, search: "        _requireSequencerUp();\n    }\n\n    /// @dev The statement (see", replace: "    }\n\n    /// @dev The statement (see", tests: [ATTACKS], why: "prices are accepted while the L2 sequencer is down or in its grace period" },
  { id: "submit-latest-round", file: FEED, search: "        if (observedAt != updatedAt) revert ObservationNotLatestRound(observedAt, updatedAt);\n", replace: "", tests: [FEED_T], why: "a proof for any timestamp, not the spot oracle's latest round, is accepted" },
  { id: "submit-time-to-expiry", file: FEED, search: "            if (signals[I_TIME_TO_EXPIRY] != expectedTtm) {", replace: "            if (false) {", tests: [FEED_T], why: "the proof is not bound to observedAt and the series' expiry" },
  { id: "submit-moneyness", file: FEED, search: "            if (moneyness != expectedMoneyness) revert MoneynessMismatch(expectedMoneyness, moneyness);\n", replace: "", tests: [FEED_T], why: "the prover chooses the spot" },
  { id: "submit-volatility", file: FEED, search: "            if (signals[I_VOLATILITY] != vol) revert VolatilityMismatch(vol, signals[I_VOLATILITY]);\n", replace: "", tests: [FEED_T], why: "the prover chooses the volatility" },
  { id: "submit-rate", file: FEED, search: "        if (signals[I_RATE] != s.rate) revert RateMismatch(s.rate, signals[I_RATE]);\n", replace: "", tests: [FEED_T], why: "the prover chooses the rate" },
  { id: "submit-proof", file: FEED, search: "        if (!Groth16Call.verify(acc.verifier, acc.selector, a, b, c, publicSignals)) revert InvalidProof();\n", replace: "", tests: [FEED_T], why: "any signals are accepted without a valid proof" },
  { id: "submit-overflow", file: FEED, search: "        if (price > type(uint96).max || spot > type(uint96).max) revert ObservationOverflow(price, spot);\n        o.price", replace: "        o.price", tests: [GUARDS], why: "a spot above 2^96 wad is silently truncated in storage" },
  { id: "submit-spot-heartbeat", file: FEED, search: "(uint256 spot, uint256 updatedAt,) = _readOracleRound(s.spotOracle, s.spotDecimals, s.spotHeartbeat);", replace: "(uint256 spot, uint256 updatedAt,) = _readOracleRound(s.spotOracle, s.spotDecimals, s.volHeartbeat);", tests: [GUARDS], why: "the spot is held to the volatility oracle's heartbeat" },
  { id: "submit-vol-heartbeat", file: FEED, search: "(vol,, volRound) = _readOracleRound(s.volOracle, s.volDecimals, s.volHeartbeat);", replace: "(vol,, volRound) = _readOracleRound(s.volOracle, s.volDecimals, s.spotHeartbeat);", tests: [GUARDS], why: "the volatility is held to the spot oracle's heartbeat" },
  { id: "clamp-lower", file: RISK_RECORDS, search: "        clampedPrice = priceOverStrike < lower ? lower : (priceOverStrike > upper ? upper : priceOverStrike);", replace: "        clampedPrice = priceOverStrike > upper ? upper : priceOverStrike;", tests: [GUARDS, ATTACKS], why: "a zero mark in the money: a long below intrinsic value" },
  { id: "clamp-upper", file: RISK_RECORDS, search: "        clampedPrice = priceOverStrike < lower ? lower : (priceOverStrike > upper ? upper : priceOverStrike);", replace: "        clampedPrice = priceOverStrike < lower ? lower : priceOverStrike;", tests: [GUARDS, FEED_T], why: "a call above spot or a put above strike" },
  { id: "clamp-call-discount", file: RISK_RECORDS, search: "            uint256 dPlus = WAD + (xUp * xUp + 2 * WAD - 1) / (2 * WAD) - xDown;", replace: "            uint256 dPlus = WAD - xDown;", tests: [GUARDS], why: "D⁺ below e^{−rτ}: the call's lower bound exceeds the true price" },
  { id: "oracle-decimals", file: FEED, search: "        if (d > 36) revert OracleDecimalsTooLarge(address(oracle), d);\n", replace: "", tests: [GUARDS], why: "an oracle with more than 36 decimals is accepted (10^(d − 18) overflow paths)" },
  { id: "layout-input-decimals", file: FEED, search: "            ok = m.inputs[i].decimals == 18;", replace: "            ok = true;", tests: [GUARDS], why: "a model whose inputs are not wad prices a series" },
  { id: "kind-binding", file: FEED, search: "        if (t.kind != (isCall ? 1 : 2)) revert ModelKindMismatch(modelId, t.kind, isCall);\n", replace: "", tests: [ATTACKS], why: "a call model prices a put series" },
  { id: "current-vol-round", file: FEED, search: "        if (volRound != uint80(s1 >> 160)) return (spotNow, false);\n", replace: "", tests: [ATTACKS], why: "a mark proven for an old volatility stays current" },
  { id: "current-model-active", file: FEED, search: "        current = _isActiveCached(c, uint24(s0 >> 168));", replace: "        current = true;", tests: [ATTACKS], why: "a retired model's price is a usable mark" },
  { id: "current-spot-round", file: FEED, search: " || updatedAt != observedAt) return (spotNow, false);", replace: ") return (spotNow, false);", tests: [ENGINE_T], why: "a mark for an old spot round stays current" },
  // ------------------------------------------------------------- settle
  { id: "settle-not-expired", file: FEED, search: "        if (block.timestamp < expiry) revert NotExpired(seriesId, expiry);\n", replace: "", tests: [FEED_T], why: "a series settles before expiry" },
  { id: "settle-once", file: FEED, search: "        if (_latest[seriesId].settled) revert AlreadySettled(seriesId);\n", replace: "", tests: [FEED_T], why: "a settled series settles again at another round" },
  { id: "settle-sequencer", file: FEED, search: "        _requireSequencerUp();\n        AggregatorV3Interface oracle = s.spotOracle;", replace: "        AggregatorV3Interface oracle = s.spotOracle;", tests: [ATTACKS], why: "settlement while the sequencer is down or in its grace period" },
  { id: "settle-answer", file: FEED, search: "        if (answer <= 0) revert InvalidOracleAnswer(address(oracle), answer);\n        if (updatedAt < expiry)", replace: "        if (updatedAt < expiry)", tests: [ATTACKS, GUARDS], why: "settles at a non-positive spot" },
  { id: "settle-before-expiry", file: FEED, search: "        if (updatedAt < expiry) revert SettlementSpotBeforeExpiry(updatedAt, expiry);\n", replace: "", tests: [FEED_T], why: "settles at a spot from before expiry" },
  { id: "settle-future", file: FEED, search: "        if (updatedAt > block.timestamp) revert StaleOracle(address(oracle), updatedAt, 0);\n", replace: "", tests: [GUARDS], why: "settles at a future-dated round" },
  { id: "settle-first-valid", file: FEED, search: "        _requireFirstValid(oracle, roundId, expiry);\n", replace: "", tests: [FEED_T, ATTACKS], why: "the caller picks any later (favourable) round" },
  { id: "settle-walk-valid", file: FEED, search: "            if (answer > 0 && updatedAt <= block.timestamp) revert SettlementRoundNotFirst(roundId, r, updatedAt);\n", replace: "", tests: [FEED_T, ATTACKS], why: "a later round is accepted although an earlier valid one exists" },
  { id: "settle-walk-invalid-skip", file: FEED, search: "            if (answer > 0 && updatedAt <= block.timestamp) revert", replace: "            if (updatedAt <= block.timestamp) revert", tests: [ATTACKS], why: "one invalid round blocks settlement forever again" },
  // ------------------------------------------------------------- engine guards
  { id: "engine-open-expired", file: ENGINE, search: "        if (block.timestamp >= k.expiry) revert SeriesExpired(seriesId, k.expiry);\n", replace: "", tests: [ENGINE_T], why: "opening in an expired series" },
  { id: "engine-opposite", file: ENGINE, search: "        if (position != 0 && (position > 0) != isLong) revert OppositePosition(seriesId, position);\n", replace: "", tests: [ENGINE_T], why: "opening the other side flips the sign bookkeeping" },
  { id: "engine-size", file: ENGINE, search: "        if (newSize > MAX_SIZE) revert SizeTooLarge(newSize);\n", replace: "", tests: [GUARDS], why: "a position beyond the open-interest type's range" },
  { id: "engine-usable", file: ENGINE, search: "        _requireUsable(seriesId, v, k);\n", replace: "", tests: [ENGINE_T, ATTACKS], why: "opening at a stale, MISSING or out-of-coverage mark" },
  { id: "engine-reduce-only", file: ENGINE, search: "            if (block.timestamp >= from) revert ReduceOnly(seriesId, from);\n", replace: "", tests: [ATTACKS], why: "new risk in a series about to leave the model's coverage" },
  { id: "engine-open-limit", file: ENGINE, search: "        if (isLong ? price > limitPrice : price < limitPrice) revert PriceLimitExceeded(price, limitPrice);\n", replace: "", tests: [ENGINE_T], why: "no slippage protection on open" },
  { id: "engine-series-cap", file: ENGINE, search: "            if (exposure > cap) revert OpenInterestCap(seriesId, exposure, cap);\n            cap = ", replace: "            cap = ", tests: [ATTACKS], why: "a series' open interest is not capped by the pool" },
  { id: "engine-account-cap", file: ENGINE, search: "            exposure = MarginMath.valueUp(newSize, unitReserve);\n            if (exposure > cap) revert OpenInterestCap(seriesId, exposure, cap);\n", replace: "", tests: [ATTACKS], why: "one account takes any size (the zero-mark attack)" },
  { id: "engine-spread-bid", file: ENGINE, search: "                v.price = k.price > k.spread ? k.price - k.spread : 0;", replace: "                v.price = k.price;", tests: [ATTACKS, FUZZ], why: "sellers fill at the mark: the model's error is harvestable" },
  { id: "engine-spread-ask", file: ENGINE, search: "                uint256 ask = k.price + k.spread;", replace: "                uint256 ask = k.price;", tests: [ATTACKS, FUZZ], why: "buyers fill at the mark: the model's error is harvestable" },
  { id: "engine-min-tick", file: ENGINE, search: "                v.price = ask > tick ? ask : tick;", replace: "                v.price = ask;", tests: [ATTACKS], why: "a long opens for free at a zero mark" },
  { id: "engine-fee", file: ENGINE, search: "            v.fee = (k.spot * riskParams.feeBps) / BPS;\n", replace: "", tests: [ATTACKS, FUZZ], why: "no fee: front-running one oracle step pays" },
  { id: "engine-initial-margin", file: ENGINE, search: "        if (equity < int256(im)) revert InitialMarginViolated(equity, im);\n", replace: "", tests: [ENGINE_T, FUZZ], why: "opening and withdrawing below initial margin" },
  { id: "engine-pending-legs", file: ENGINE, search: "            if (x.state == PENDING && seriesId != tradeOf && pending == 0) pending = seriesId;\n", replace: "", tests: [ENGINE_T, ATTACKS], why: "a merely late mark triggers a liquidation at conservative values" },
  { id: "engine-missing-conservative", file: ENGINE, search: "        v.price = isLong ? 0 : (k.isCall ? spot : k.strike);", replace: "        v.price = k.price;", tests: [ENGINE_T, ATTACKS], why: "a frozen leg keeps its last mark: an insolvent short escapes" },
  { id: "engine-stale-is-missing", file: ENGINE, search: "        } else if (block.timestamp - _max(k.observedAt, k.usableSince) > maxAge) {", replace: "        } else if (false) {", tests: [ENGINE_T, ATTACKS], why: "a dust leg in an unprovable series freezes liquidation" },
  { id: "engine-coverage", file: ENGINE, search: "        } else if (block.timestamp >= k.coveredUntil) {", replace: "        } else if (false) {", tests: [ATTACKS], why: "after the model's coverage the last mark is used until expiry" },
  { id: "engine-sequencer", file: ENGINE, search: "        } else if (!k.sequencerUp) {\n            (v.state, v.reason) = (PENDING, SequencerUnusable.selector);\n        } else if", replace: "        } else if", tests: [ATTACKS], why: "liquidations during a sequencer outage" },
  { id: "engine-sequencer-age", file: ENGINE, search: "        } else if (block.timestamp - _max(k.observedAt, k.usableSince) > maxAge) {", replace: "        } else if (block.timestamp - k.observedAt > maxAge) {", tests: [ATTACKS], why: "right after an outage every mark is MISSING before keepers can prove" },
  { id: "engine-long-reserve", file: ENGINE, search: "        uint256 available = free > reserved ? free - reserved : 0;", replace: "        uint256 available = free;", tests: [ATTACKS], why: "governance withdraws what the pool owes longs" },
  { id: "engine-close-claim", file: ENGINE, search: "            _poolPaysOrOwes(msg.sender, premium);", replace: "            _poolPaysAccount(msg.sender, premium);", tests: [ATTACKS, FUZZ], why: "a winning long cannot close when the pool is short: no claim" },
  { id: "engine-close-exceeds", file: ENGINE, search: "        if (size > held) revert CloseExceedsPosition(seriesId, size, position);\n", replace: "", tests: [ENGINE_T, FUZZ], why: "closing more than held flips the position" },
  { id: "engine-close-pending", file: ENGINE, search: "        Valued memory v = _value(k, seriesId, isLong);\n        if (v.state == PENDING) _revertPending(seriesId, v.reason, k);\n", replace: "        Valued memory v = _value(k, seriesId, isLong);\n", tests: [ENGINE_T], why: "closing at a mark that no longer reflects the oracle" },
  { id: "engine-close-limit", file: ENGINE, search: "        if (isLong ? price < limitPrice : price > limitPrice) revert PriceLimitExceeded(price, limitPrice);\n", replace: "", tests: [ENGINE_T], why: "no slippage protection on close" },
  { id: "engine-healthy", file: ENGINE, search: "        if (legs.length == 0 || equity >= int256(mm)) revert AccountHealthy(equity, mm);", replace: "        if (legs.length == 0) revert AccountHealthy(equity, mm);", tests: [ENGINE_T, FUZZ], why: "healthy accounts are liquidated" },
  { id: "engine-withdraw-collateral", file: ENGINE, search: "        if (wad > available) revert InsufficientCollateral(available, wad);\n        collateralOf[msg.sender] = available - wad;", replace: "        collateralOf[msg.sender] = available - wad;", tests: [ENGINE_T], why: "withdrawing more than the collateral (panics instead of the named error)" },
  // ------------------------------------------------------------- submitRisk and the risk circuit
  { id: "risk-proof", file: FEED, search: "        if (!Groth16Call.verify(rc.verifier, rc.selector, a, b, c, publicSignals)) revert InvalidProof();\n", replace: "", tests: [RISK_T], why: "any packed risk outputs are accepted without a valid proof" },
  { id: "risk-layout", file: FEED, search: "        if (rc.spotInput != I_MONEYNESS - 1 || rc.volInput != I_VOLATILITY - 1 || rc.numScenarios > RiskRecords.MAX_SCENARIOS) {", replace: "        if (rc.numScenarios > RiskRecords.MAX_SCENARIOS) {", tests: [RISK_T], why: "a risk circuit that shocks another input than the spot is read as a spot grid" },
  { id: "risk-submit-clears", file: FEED, search: "        return _store(seriesId, acc, false);", replace: "        return _store(seriesId, acc, true);", tests: [RISK_T], why: "a plain price submit leaves the old risk vector current" },
  { id: "risk-replay-grief", file: FEED, search: "            if (!isRisk || last.hasRisk) revert ObservationNotNewer(observedAt, lastObservedAt);", replace: "            revert ObservationNotNewer(observedAt, lastObservedAt);", tests: [RISK_T], why: "a price-only proof posted first for a round keeps its risk vector out: every leg PENDING, then the fallback" },
  { id: "risk-replay-twice", file: FEED, search: "            if (!isRisk || last.hasRisk) revert ObservationNotNewer(observedAt, lastObservedAt);", replace: "            if (!isRisk) revert ObservationNotNewer(observedAt, lastObservedAt);", tests: [RISK_T], why: "two risk vectors for one (spot, vol) round: the prover chooses which one stands" },
  { id: "risk-replay-price-twice", file: FEED, search: "            if (!isRisk || last.hasRisk) revert ObservationNotNewer(observedAt, lastObservedAt);", replace: "            if (last.hasRisk) revert ObservationNotNewer(observedAt, lastObservedAt);", tests: [RISK_T, FEED_T], why: "a second price-only statement for the same round: low then high mark in one round" },
  { id: "risk-replay-mark", file: FEED, search: "            if (acc.o.price != last.price) revert RiskMarkMismatch(seriesId, last.price, acc.o.price);\n", replace: "", tests: [RISK_T], why: "a risk vector of the same round stores a second mark over the price-only one" },
  { id: "risk-current-mark", file: FEED, search: "        v.current = o.hasRisk && o.observedAt == r.observedAt && k.current;", replace: "        v.current = o.hasRisk && o.observedAt == r.observedAt;", tests: [RISK_T], why: "a risk vector stays current after the oracles move on" },
  { id: "risk-mark-range", file: REGISTRY, search: "        if (spot < r.spotMarkMin || spot > r.spotMarkMax) {", replace: "        if (false) {", tests: [RISK_T], why: "a mark outside the risk circuit's range is not refused by name (only by the proof)" },
  { id: "risk-probe", file: REGISTRY, search: "        _probe(l.verifier, selector, numPacked + m.numInputs);\n", replace: "", tests: [RISK_T], why: "a verifier of another signal count can be registered as the risk circuit" },
  { id: "risk-once", file: REGISTRY, search: "        if (_riskRecords[modelId] != address(0)) revert RiskCircuitAlreadyRegistered(modelId);\n", replace: "", tests: [RISK_T], why: "a model's risk circuit (its grid) can be replaced under open positions" },
  { id: "risk-model-change", file: FEED, search: "(its grid): no longer current.\n        _latest[seriesId].hasRisk = false;\n", replace: "(its grid): no longer current.\n", tests: [RISK_T], why: "after a model change the previous model's risk vector (another grid) stays current" },
  { id: "risk-oracles-change", file: FEED, search: "        _latest[seriesId].hasRisk = false;\n        emit SeriesOraclesSet", replace: "        emit SeriesOraclesSet", tests: [RISK_T], why: "after an oracle change the risk vector proven on the old oracles stays current, in the group of the new ones" },
  { id: "risk-shock-order", file: REGISTRY, search: "            if (k <= -one || k >= one || (i > 0 && k <= shocks[i - 1])) revert InvalidShock(axis, i, k);", replace: "            if (k <= -one || k >= one) revert InvalidShock(axis, i, k);", tests: [RISK_T], why: "an unordered grid is registered (scenario order no longer spot-major ascending)" },
  { id: "risk-payoff-prices", file: REGISTRY, search: "            v[t] += pay[onSpot ? t / nv : (onVol ? t % nv : 0)];\n", replace: "", tests: [RISK_SKIP_T], why: "a payoff-skip model's scenario prices are stored as its time values: in-the-money shorts under-margined" },
  { id: "risk-payoff-greeks", file: REGISTRY, search: "            v[n] += pay[up] - pay[down];\n", replace: "", tests: [RISK_SKIP_T], why: "a payoff-skip model's Δ lacks the payoff's slope (an in-the-money call's Δ is negative)" },
  { id: "risk-payoff-shock", file: REGISTRY, search: "        bool onVol = !onSpot && j == r.volInput;", replace: "        bool onVol = false;", tests: [RISK_SKIP_T], why: "a skip on the volatility input is added unshocked at the vol scenarios" },
  { id: "risk-payoff-put", file: REGISTRY, search: "            if (put) a = -a;\n", replace: "", tests: [RISK_SKIP_T], why: "a put skip adds the call payoff" },
  { id: "risk-payoff-kind", file: REGISTRY, search: "            if (l.payoffKind != kind) revert PayoffSkipMismatch(modelId, l.payoffKind, kind);\n", replace: "", tests: [RISK_SKIP_T], why: "a risk layout may add the payoff of another kind than the model prices (or of a model without option terms) to its time values" },
  // ------------------------------------------------------------- portfolio margin
  { id: "pm-worst-loss-sign", file: MATH, search: "                    if sgt(x, worst) { worst := x }", replace: "                    if sgt(sub(0, x), worst) { worst := sub(0, x) }", tests: [PORTFOLIO, FUZZ], why: "the worst gain is margined instead of the worst loss" },
  { id: "pm-group-separation", file: MATH, search: " || leg.group != g || leg.scenarios.length != m) continue;", replace: " || leg.scenarios.length != m) continue;", tests: [PORTFOLIO, FUZZ], why: "positions in different risk groups offset each other" },
  { id: "pm-floor", file: MATH, search: "                initialMargin += floorOf(q, leg.spot, leg.strike, leg.isCall, r.imFloorABps, r.imFloorBBps);\n", replace: "", tests: [PORTFOLIO, FUZZ], why: "shorts carry no initial-margin floor" },
  { id: "pm-floor-otm", file: MATH, search: "        uint256 otm = isCall ? (strike > spot ? strike - spot : 0) : (spot > strike ? spot - strike : 0);", replace: "        uint256 otm = isCall ? (spot > strike ? spot - strike : 0) : (strike > spot ? strike - spot : 0);", tests: [FUZZ], why: "in-the-money shorts get the out-of-the-money discount" },
  { id: "pm-band-short", file: MATH, search: "                    v := add(v, spread)\n", replace: "", tests: [PORTFOLIO, FUZZ], why: "a short's scenario prices are not moved up by the error band: the model's error is harvestable" },
  { id: "pm-band-long", file: MATH, search: "mul(q, mul(gt(p, spread), sub(p, spread)))", replace: "mul(q, p)", tests: [PORTFOLIO, FUZZ], why: "a long's scenario prices are not moved down by the error band: an overpriced hedge offsets too much" },
  { id: "engine-new-short-vector", file: ENGINE, search: "            if (!isLong) revert NoRiskVector(seriesId);\n", replace: "", tests: [PORTFOLIO], why: "a new short opens without a risk vector" },
  { id: "engine-risk-late", file: ENGINE, search: "        if (_max(r.observedAt, k.usableSince) + riskParams.maxPriceAge >= block.timestamp) return x.risk = RISK_LATE;\n", replace: "", tests: [PORTFOLIO], why: "a merely late risk vector triggers liquidations at the fallback bounds" },
  { id: "engine-risk-current", file: ENGINE, search: "        if (r.current && r.observedAt == k.observedAt && r.mark <= k.price && k.price - r.mark <= r.unit && m != 0 && m <= MAX_SCENARIOS) {", replace: "        if (m != 0) {", tests: [PORTFOLIO], why: "a stale risk vector margins the current mark" },
  { id: "engine-risk-mark", file: ENGINE, search: " && r.mark <= k.price && k.price - r.mark <= r.unit && m != 0", replace: " && m != 0", tests: [PORTFOLIO], why: "a risk vector proven for another mark is used" },
  { id: "engine-short-rounding", file: ENGINE, search: "            if (leg.size < 0) leg.spread = k.spread + r.unit;\n", replace: "", tests: ["test/contracts.riskMargin.test.ts"], why: "a short's scenario prices, rounded down by the feed's storage, are used as they are: the rounding goes in the account's favour" },
  { id: "feed-scenario-unit", file: FEED, search: "        uint256 w0 = uint40(w2 >> 128) | (1 << 40) | ((uint96(w2) / SCENARIO_DIVISOR + 2) << 128);", replace: "        uint256 w0 = uint40(w2 >> 128) | (1 << 40);", tests: [RISK_T], why: "the batch read reports the rounded scenario prices as exact (unit 0): shorts are margined below their proven prices" },
  { id: "feed-spot-index", file: FEED, search: "        s.spotIndex = uint16(index);", replace: "        s.spotIndex = 1;", tests: ["test/contracts.review.test.ts"], why: "every series is read with the first spot oracle's word: a mark of another underlying is current (or not) by the wrong oracle's round" },
  { id: "registry-lane-bound", file: REGISTRY, search: "uint256(int256(1 << l.shockBits) + l.spotShocks[l.spotShocks.length - 1]) >= MAX_SHOCKED_MONEYNESS << l.shockBits", replace: "uint256(int256(1 << l.shockBits) + l.spotShocks[l.spotShocks.length - 1]) > MAX_SHOCKED_MONEYNESS << (l.shockBits + 1)", tests: ["test/contracts.review.test.ts"], why: "a spot mark range whose shocked moneyness overflows the feed's 17-bit scenario lanes is registered: marks in range whose risk vectors can never be stored" },
  { id: "engine-fallback-bound", file: ENGINE, search: "        hi = _max(hi, k.price) + k.spread;", replace: "        hi = k.price;", tests: [PORTFOLIO], why: "a short without a risk vector is margined below its upper bound: cheaper than with a vector" },
];

export default mutants;
