"""Statistics as plain functions and small estimators; no Streamlit, no database."""
