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
}
