"""OsteoFys: osteoporosis case-finding, function categories and training plans."""

__version__ = "0.1.0"
