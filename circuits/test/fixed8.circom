pragma circom 2.1.0;

// Eight-constraint circuit for measuring the fixed cost of a Groth16 proof (the part that
// does not grow with the circuit): out = x^9 + y, one multiplication per constraint.
template Fixed8() {
    signal input x;
    signal input y;
    signal output out;
    signal p[8];
    p[0] <== x * x;
    for (var i = 1; i < 8; i++) p[i] <== p[i - 1] * x;
    out <== p[7] + y;
}

component main { public [x] } = Fixed8();
