"""Population case-finding over registry data: the same rules compiled to polars."""
