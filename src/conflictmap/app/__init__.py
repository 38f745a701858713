"""The Streamlit app: pages, filters, charts and the map (the only code that imports streamlit)."""
