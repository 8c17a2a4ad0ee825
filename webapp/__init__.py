"""The Streamlit app's pages, widgets and cache wrappers; ``app.py`` (the entry ``streamlit run`` starts)
sets the page up and routes to them. Sits beside ``hedong`` on the top floor of the layers contract and
imports only the packages below (never ``hedong``).
"""
