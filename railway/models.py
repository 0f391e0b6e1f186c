"""No models: this module exists so that Django sends the railway app post_migrate (railway/apps.py)."""
