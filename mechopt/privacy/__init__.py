"""Paper 004's own domain: privacy-level games, the fair value of data (Theorems 1 and 2), the
mean-estimation utilities of Example 1 and the symmetric privacy game of Section 5 (docs/privacy.md).

Nothing is imported here: ``import mechopt.privacy`` stays light.
"""
