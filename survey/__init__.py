"""The Streamlit app: a router, short pages, one data-access module, storage."""
