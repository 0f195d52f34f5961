"""Paper 003's metrics and comparisons: M^0, M^BG and M^Shap at their equilibria, reciprocity (4),
data gain (5), accuracy gain (6), equal treatment (Definition 3.5), IR (Lemma 4.6), Theorems 4.8 and
4.9 checked on instances (docs/reciprocity.md)."""
