"""Statistics as plain functions and small estimators; no Streamlit, no database."""

#: Seed used when none is given (results record it).
DEFAULT_SEED = 2026
