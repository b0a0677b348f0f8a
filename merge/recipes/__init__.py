"""Bundled recipe files (`thaibench recipe run mini`); YAML data, shipped inside the package."""
