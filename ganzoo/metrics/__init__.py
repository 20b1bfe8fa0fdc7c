"""Quality measurements of generated images."""
