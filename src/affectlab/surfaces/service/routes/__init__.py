"""The service's routes, one module per area: health, catalog, texts, files, documents, evaluation."""
