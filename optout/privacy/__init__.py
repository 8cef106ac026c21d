"""The data subject's rights: access requests and their register, the access package, erasure."""
