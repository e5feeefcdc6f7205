"""Browser tooling for the tests: headless Chromium and axe-core (npm)."""
