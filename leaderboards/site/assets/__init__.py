"""Static files of the leaderboard site (HTML templates, CSS, the SVG plotting script); a package
only so that wheels carry them."""
