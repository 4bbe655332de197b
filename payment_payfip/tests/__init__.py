from . import test_payfip
