pragma circom 2.1.0;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";

// Test circuit with the option-model public-signal layout, for exercising the price feed
// with a real Groth16 verifier. It is NOT a pricing model.
//
// Public signals (all wad = 18-decimal integers):
//   [priceOverStrike, moneyness, timeToExpiry, volatility, rate]
// with priceOverStrike = floor(4 · volatility · timeToExpiry / 1e19) (= 0.4 · σ · T in wad,
// a rough at-the-money scale).
//
// Every public input is range-checked to [0, 2^64) (wad values below ~18.4). Then
// 4 · volatility · timeToExpiry < 2^130, the quotient is < 2^67 and the remainder is pinned
// to [0, 1e19) by a bit decomposition and a comparator: the division is exact over the
// integers (no wrap modulo the field).
template OptionLayout() {
    signal input moneyness;
    signal input timeToExpiry;
    signal input volatility;
    signal input rate;
    signal output priceOverStrike;

    component rangeMoneyness = Num2Bits(64);
    rangeMoneyness.in <== moneyness;
    component rangeTime = Num2Bits(64);
    rangeTime.in <== timeToExpiry;
    component rangeVol = Num2Bits(64);
    rangeVol.in <== volatility;
    component rangeRate = Num2Bits(64);
    rangeRate.in <== rate;

    var D = 10000000000000000000; // 1e19 < 2^64
    signal prod;
    prod <== volatility * timeToExpiry;

    signal quotient;
    signal remainder;
    quotient <-- (4 * prod) \ D;
    remainder <-- (4 * prod) % D;
    4 * prod === quotient * D + remainder;

    component rangeQuotient = Num2Bits(67);
    rangeQuotient.in <== quotient;
    component rangeRemainder = Num2Bits(64);
    rangeRemainder.in <== remainder;
    component remainderBelowD = LessThan(64);
    remainderBelowD.in[0] <== remainder;
    remainderBelowD.in[1] <== D;
    remainderBelowD.out === 1;

    priceOverStrike <== quotient;
}

component main { public [moneyness, timeToExpiry, volatility, rate] } = OptionLayout();
