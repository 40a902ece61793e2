pragma circom 2.1.0;

// Hand-written gadgets of zkinfer's fixed-point forward pass.
// Every value computed with `<--` is pinned by the constraints that follow it.
// Costs are stated as compiled with --O2 (zkinfer's default), which folds each linear
// recomposition into the bits' booleanity constraints: an n-bit decomposition costs n.

// Little-endian decomposition of `in` into n bits. Each bit is constrained to {0, 1} and the
// weighted sum to `in`; n <= 252 keeps the sum below the field order, so the decomposition is
// unique (no aliasing) and proves 0 <= in < 2^n. Cost: n constraints (n + 1 unoptimised).
template Bits(n) {
    assert(n >= 1 && n <= 252);
    signal input in;
    signal output out[n];
    var sum = 0;
    var w = 1;
    for (var i = 0; i < n; i++) {
        out[i] <-- (in >> i) & 1;
        out[i] * (out[i] - 1) === 0;
        sum += out[i] * w;
        w *= 2;
    }
    sum === in;
}

// A raw public input x (on-chain integer units) with declared range [MIN, MIN + R], R < 2^N.
// Proves MIN <= x <= MIN + R and returns u = floor((x - MIN) / 2^K), the scaler's
// fixed-point input (the low K bits are the truncated remainder, range-checked by the same
// decomposition). Cost: N, plus N for the upper bound unless R = 2^N - 1.
template InputRange(N, MIN, R, K) {
    assert(K < N);
    signal input x;
    signal output u;
    component lower = Bits(N);
    lower.in <== x - MIN;
    if (R != 2 ** N - 1) {
        // (x - MIN) + (2^N - 1 - R) < 2^N  <=>  x - MIN <= R
        component upper = Bits(N);
        upper.in <== x - MIN + (2 ** N - 1 - R);
    }
    var q = 0;
    for (var i = K; i < N; i++) {
        q += lower.out[i] * 2 ** (i - K);
    }
    u <== q;
}

// out = max(0, floor((in + 2^(S-1)) / 2^S)): rescale with round-half-up, then ReLU, in one
// decomposition. Requires -2^(B-1) <= in + 2^(S-1) < 2^(B-1), proven per neuron by the bound
// analysis (B is chosen from it). t = in + 2^(S-1) + 2^(B-1) is split into B bits: bits
// 0..S-1 are the remainder, bits S..B-2 the quotient, bit B-1 the sign (1 when in + 2^(S-1) >= 0).
// Cost: B + 1 constraints (the decomposition and one product).
template RescaleRelu(B, S) {
    assert(B > S && B <= 252);
    signal input in;
    signal output out;
    var half = S > 0 ? 2 ** (S - 1) : 0;
    component bits = Bits(B);
    bits.in <== in + half + 2 ** (B - 1);
    var q = 0;
    for (var i = S; i < B - 1; i++) {
        q += bits.out[i] * 2 ** (i - S);
    }
    out <== bits.out[B - 1] * q;
}

// Leaky ReLU with slope 2^-K after the rescale, in one decomposition (as RescaleRelu):
// t = in + 2^(S-1); out = floor(t / 2^S) when t >= 0, else floor(t / 2^(S+K)).
// Requires -2^(B-1) <= t < 2^(B-1) (bound analysis) and B >= S + K + 1, so that both
// quotients are bit ranges of the decomposition of t + 2^(B-1): bits S..B-1 give
// floor(t / 2^S) + 2^(B-1-S), bits S+K..B-1 give floor(t / 2^(S+K)) + 2^(B-1-S-K); bit B-1 is
// the sign (1 when t >= 0). Cost: B + 1 constraints (the decomposition and one product).
template RescaleLeakyRelu(B, S, K) {
    assert(K >= 1 && B >= S + K + 1 && B <= 252);
    signal input in;
    signal output out;
    var half = S > 0 ? 2 ** (S - 1) : 0;
    component bits = Bits(B);
    bits.in <== in + half + 2 ** (B - 1);
    var pos = 0;
    for (var i = S; i < B; i++) {
        pos += bits.out[i] * 2 ** (i - S);
    }
    pos -= 2 ** (B - 1 - S);
    var neg = 0;
    for (var i = S + K; i < B; i++) {
        neg += bits.out[i] * 2 ** (i - S - K);
    }
    neg -= 2 ** (B - 1 - S - K);
    out <== bits.out[B - 1] * (pos - neg) + neg;
}

// out = floor((in + 2^(S-1)) / 2^S), signed, for -2^(B-1) <= in + 2^(S-1) < 2^(B-1).
// Cost: B constraints (out is a linear combination of the bits).
template Rescale(B, S) {
    assert(B > S && B <= 252);
    signal input in;
    signal output out;
    var half = S > 0 ? 2 ** (S - 1) : 0;
    component bits = Bits(B);
    bits.in <== in + half + 2 ** (B - 1);
    var q = 0;
    for (var i = S; i < B; i++) {
        q += bits.out[i] * 2 ** (i - S);
    }
    out <== q - 2 ** (B - 1 - S);
}
