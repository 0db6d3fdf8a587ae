"""OsteoFys: osteoporosis case-finding, function categories and training plans for physiotherapists."""

__version__ = "0.1.0"
