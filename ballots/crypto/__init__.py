"""The sealed ballot box's cryptography: exponential ElGamal on the prime-order subgroup of
ed25519 (libsodium through PyNaCl), with the zero-knowledge proofs of ElectionGuard 2.0's shape.

Nothing here touches the database: trustees run it on their own machines, and anyone can run the
verifier over a published bundle.
"""
