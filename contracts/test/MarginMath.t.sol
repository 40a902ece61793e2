// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MarginMath} from "../libraries/MarginMath.sol";
import {OptionPriceFeed} from "../OptionPriceFeed.sol";
import {ModelRegistry} from "../ModelRegistry.sol";
import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";

/// @title MarginMathFuzzTest (Solidity fuzz tests, `npx hardhat test solidity`)
/// @notice Invariants of the margin arithmetic and of the feed's no-arbitrage clamp, with plain
/// `require` assertions (no test library needed). Inputs are bounded to the ranges the contracts
/// allow (sizes < 2^120, prices and spots < 2^96, bps <= 10,000).
contract MarginMathFuzzTest {
    uint256 internal constant WAD = 1e18;
    OptionPriceFeed internal feed;

    function setUp() public {
        feed = new OptionPriceFeed(address(this), ModelRegistry(address(0)), AggregatorV3Interface(address(0)), 0);
    }

    function _leg(int256 size, uint256 price, uint256 spot) internal pure returns (MarginMath.Leg[] memory legs) {
        legs = new MarginMath.Leg[](1);
        legs[0] = MarginMath.Leg({size: size, price: price, spot: spot});
    }

    /// Values round against the account by at most one wei: floor <= exact <= ceil, ceil − floor <= 1.
    function testFuzz_roundingBrackets(uint120 size, uint96 price) public pure {
        uint256 down = MarginMath.valueDown(size, price);
        uint256 up = MarginMath.valueUp(size, price);
        uint256 exact = uint256(size) * price;
        require(down * WAD <= exact, "floor above exact");
        require(up * WAD >= exact, "ceil below exact");
        require(up - down <= 1, "ceil - floor > 1");
        require((exact % WAD == 0) == (up == down), "exact iff equal");
    }

    /// A long adds at most its exact value to equity and needs no margin; a short subtracts at
    /// least its exact value, and its initial requirement is at least its maintenance one.
    function testFuzz_singleLeg(uint120 collateral, uint120 size, uint96 price, uint96 spot, uint16 imBps, uint16 mmBps)
        public
        pure
    {
        imBps = uint16(imBps % 10_001);
        mmBps = uint16(mmBps % (uint256(imBps) + 1));
        (int256 eLong, uint256 imLong, uint256 mmLong) = MarginMath.health(collateral, _leg(int256(uint256(size)), price, spot), imBps, mmBps);
        require(imLong == 0 && mmLong == 0, "a long needs margin");
        require(uint256(eLong) * WAD <= uint256(collateral) * WAD + uint256(size) * price, "long overvalued");
        (int256 eShort, uint256 im, uint256 mm) = MarginMath.health(collateral, _leg(-int256(uint256(size)), price, spot), imBps, mmBps);
        require(eShort <= int256(uint256(collateral)), "a short adds equity");
        require((int256(uint256(collateral)) - eShort) * int256(WAD) >= int256(uint256(size) * price), "short undervalued");
        require(im >= mm, "IM below MM");
        require(im * WAD * 10_000 >= uint256(size) * spot * imBps, "IM rounded down");
    }

    /// Equity is additive over legs (each rounded on its own) and requirements add up.
    function testFuzz_additive(uint120 collateral, int120 s1, int120 s2, uint96 p1, uint96 p2, uint96 spot) public pure {
        MarginMath.Leg[] memory both = new MarginMath.Leg[](2);
        both[0] = MarginMath.Leg({size: s1, price: p1, spot: spot});
        both[1] = MarginMath.Leg({size: s2, price: p2, spot: spot});
        (int256 e, uint256 im, uint256 mm) = MarginMath.health(collateral, both, 1_500, 1_000);
        (int256 e1, uint256 im1, uint256 mm1) = MarginMath.health(collateral, _leg(s1, p1, spot), 1_500, 1_000);
        require(_equityOf(s2, p2, spot) == e - e1, "equity not additive");
        require(_imOf(s2, spot) == im - im1 && _mmOf(s2, spot) == mm - mm1, "requirements not additive");
    }

    function _equityOf(int256 size, uint256 price, uint256 spot) internal pure returns (int256 e) {
        (e,,) = MarginMath.health(0, _leg(size, price, spot), 1_500, 1_000);
    }

    function _imOf(int256 size, uint256 spot) internal pure returns (uint256 im) {
        (, im,) = MarginMath.health(0, _leg(size, 0, spot), 1_500, 1_000);
    }

    function _mmOf(int256 size, uint256 spot) internal pure returns (uint256 mm) {
        (,, mm) = MarginMath.health(0, _leg(size, 0, spot), 1_500, 1_000);
    }

    /// Raising a short's price never raises equity; raising a long's price never lowers it.
    function testFuzz_monotone(uint120 collateral, uint120 size, uint96 price, uint96 bump, uint96 spot) public pure {
        uint256 higher = uint256(price) + (bump % (type(uint96).max - uint256(price) + 1));
        (int256 shortLo,,) = MarginMath.health(collateral, _leg(-int256(uint256(size)), price, spot), 1_500, 1_000);
        (int256 shortHi,,) = MarginMath.health(collateral, _leg(-int256(uint256(size)), higher, spot), 1_500, 1_000);
        require(shortHi <= shortLo, "short equity rose with its price");
        (int256 longLo,,) = MarginMath.health(collateral, _leg(int256(uint256(size)), price, spot), 1_500, 1_000);
        (int256 longHi,,) = MarginMath.health(collateral, _leg(int256(uint256(size)), higher, spot), 1_500, 1_000);
        require(longHi >= longLo, "long equity fell with its price");
    }

    /// The feed's clamp lands in [lower, upper], is idempotent, moves nothing already inside,
    /// and its bounds are ordered (lower <= upper) for every input in the registry's ranges.
    function testFuzz_clamp(uint128 proven, uint64 moneyness, uint64 timeToExpiry, uint64 rate, bool isCall) public view {
        uint256 m = uint256(moneyness) % (10 * WAD);
        uint256 t = uint256(timeToExpiry) % (4 * WAD); // r · τ < 2: D⁺ <= 1
        uint256 r = uint256(rate) % (WAD / 2);
        (uint256 c, bool clamped) = feed.clampToBounds(proven, m, t, r, isCall);
        (uint256 lower,) = feed.clampToBounds(0, m, t, r, isCall);
        (uint256 upper,) = feed.clampToBounds(type(uint128).max, m, t, r, isCall);
        require(lower <= upper, "bounds out of order");
        require(c >= lower && c <= upper, "clamp outside bounds");
        require(clamped == (c != proven), "clamped flag wrong");
        (uint256 again, bool twice) = feed.clampToBounds(c, m, t, r, isCall);
        require(again == c && !twice, "clamp not idempotent");
        require(upper == (isCall ? m : WAD), "upper bound");
        // The lower bound never exceeds the undiscounted intrinsic value.
        uint256 intrinsic = isCall ? (m > WAD ? m - WAD : 0) : (WAD > m ? WAD - m : 0);
        if (isCall) require(lower >= intrinsic, "call lower below S - K");
        else require(lower <= intrinsic, "put lower above K - S");
    }

    // ------------------------------------------------------------ portfolio margin

    function _rule() internal pure returns (MarginMath.Rule memory) {
        return MarginMath.Rule({imFactorBps: 12_500, mmFactorBps: 10_000, imFloorABps: 1_000, imFloorBBps: 500, mmFloorABps: 500, mmFloorBBps: 250, minTick: 1});
    }

    /// A leg with 15 scenario prices spread around `mark` by `seed` (each within ±mark), bounds
    /// wide enough to hold every scenario value.
    function _pleg(int256 size, uint256 mark, uint256 spread, uint256 seed, bytes32 group) internal pure returns (MarginMath.Position memory l) {
        l.size = size;
        l.spread = spread;
        l.price = size > 0 ? (mark > spread ? mark - spread : 0) : (mark + spread > 1 ? mark + spread : 1);
        l.lo = 0;
        l.hi = 2 * mark + spread + 1;
        l.spot = 2_000e18;
        l.strike = 2_000e18;
        l.isCall = true;
        l.group = group;
        l.scenarios = new uint256[](15);
        for (uint256 s; s < 15; ++s) {
            l.scenarios[s] = mark == 0 ? 0 : uint256(keccak256(abi.encode(seed, s))) % (2 * mark + 1);
        }
    }

    function _two(MarginMath.Position memory a, MarginMath.Position memory b) internal pure returns (MarginMath.Position[] memory legs) {
        legs = new MarginMath.Position[](2);
        legs[0] = a;
        legs[1] = b;
    }

    /// Dropping a leg's risk vector (margining it alone at its bounds) never lowers IM or MM.
    function testFuzz_fallbackNeverCheaper(uint96 q1, uint96 q2, uint80 m1, uint80 m2, uint64 spread, uint256 seed, bool long1) public pure {
        int256 s1 = int256(uint256(q1) + 1);
        MarginMath.Position memory a = _pleg(long1 ? s1 : -s1, m1, spread, seed, bytes32(uint256(1)));
        MarginMath.Position memory b = _pleg(-int256(uint256(q2) + 1), m2, spread, seed >> 1, bytes32(uint256(1)));
        (, uint256 im, uint256 mm,) = MarginMath.portfolioHealth(0, _two(a, b), _rule());
        a.group = bytes32(0);
        (, uint256 im2, uint256 mm2,) = MarginMath.portfolioHealth(0, _two(a, b), _rule());
        require(im2 >= im && mm2 >= mm, "a leg without its vector is cheaper");
    }

    /// Legs in different groups never offset: the worst loss is the sum of each leg's alone.
    function testFuzz_groupsSeparate(uint96 q1, uint96 q2, uint80 m1, uint80 m2, uint64 spread, uint256 seed) public pure {
        MarginMath.Position memory a = _pleg(int256(uint256(q1)), m1, spread, seed, bytes32(uint256(1)));
        MarginMath.Position memory b = _pleg(-int256(uint256(q2)), m2, spread, seed >> 1, bytes32(uint256(2)));
        (,,, uint256 both) = MarginMath.portfolioHealth(0, _two(a, b), _rule());
        MarginMath.Position[] memory one = new MarginMath.Position[](1);
        one[0] = a;
        (,,, uint256 wa) = MarginMath.portfolioHealth(0, one, _rule());
        one[0] = b;
        (,,, uint256 wb) = MarginMath.portfolioHealth(0, one, _rule());
        require(both == wa + wb, "groups offset");
        // The same two legs in one group offset at least as well.
        b.group = a.group;
        (,,, uint256 same) = MarginMath.portfolioHealth(0, _two(a, b), _rule());
        require(same <= both, "one group worse than two");
    }

    /// Worst-loss sign and band direction: a short whose scenario prices all exceed its mark by d
    /// loses at least q·d in each (the spread moves the scenario against it); a long in the same
    /// scenarios loses nothing; a short whose scenarios equal its mark loses nothing.
    function testFuzz_lossSignAndBand(uint96 q96, uint80 mark, uint64 spread, uint64 d) public pure {
        uint256 q = uint256(q96) + 1;
        MarginMath.Position memory l = _pleg(-int256(q), mark, spread, 0, bytes32(uint256(1)));
        for (uint256 s; s < 15; ++s) l.scenarios[s] = uint256(mark) + d;
        l.hi = uint256(mark) + d + spread + 1;
        MarginMath.Position[] memory one = new MarginMath.Position[](1);
        one[0] = l;
        (,,, uint256 w) = MarginMath.portfolioHealth(0, one, _rule());
        require(w * WAD + WAD >= q * d, "short loss below q * move");
        l.size = int256(q);
        l.price = mark > spread ? mark - spread : 0;
        (,,, uint256 wl) = MarginMath.portfolioHealth(0, one, _rule());
        require(wl == 0, "a long loses when prices rise");
        l.size = -int256(q);
        l.price = uint256(mark) + spread > 1 ? uint256(mark) + spread : 1;
        for (uint256 s; s < 15; ++s) l.scenarios[s] = mark;
        (,,, uint256 w0) = MarginMath.portfolioHealth(0, one, _rule());
        require(w0 == 0, "a short loses at its own mark");
    }

    /// The floor is at least b·S and at least a·S − OTM per short unit, rounded up, and IM >= MM.
    function testFuzz_floor(uint96 q, uint80 spot, uint80 strike, bool isCall, uint16 a, uint16 b) public pure {
        a = uint16(a % 10_001);
        b = uint16(b % 10_001);
        uint256 f = MarginMath.floorOf(q, spot, strike, isCall, a, b);
        require(f * WAD * 10_000 >= uint256(q) * spot * b, "floor below b*S");
        uint256 otm = isCall ? (strike > spot ? strike - spot : 0) : (spot > strike ? spot - strike : 0);
        uint256 aS = uint256(spot) * a;
        if (aS > otm * 10_000) require(f * WAD * 10_000 >= uint256(q) * (aS - otm * 10_000), "floor below a*S - OTM");
    }
}
