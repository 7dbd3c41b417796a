"""The core registry's side of the REST API (`/api/v1/`)."""
