"""Pipeline: one module per DVC stage, holding what the stage does; `stages/<stage>.py` reads the params and calls it."""
