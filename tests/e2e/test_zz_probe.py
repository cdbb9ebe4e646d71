import threading
from celery.signals import task_prerun, task_postrun
from django.db import connections
SEEN = set()
@task_postrun.connect(weak=False)
def _post(task=None, **kw):
    c = connections["default"]
    print("TASKCONN", threading.current_thread().name, id(c), c.connection is not None and id(c.connection), flush=True)
from django.core.signals import request_finished
def _req(**kw):
    c = connections["default"]
    print("REQCONN", threading.current_thread().name, id(c), c.connection is not None and id(c.connection), flush=True)
request_finished.connect(_req, weak=False)
from tests.e2e.test_oit_flow import *  # noqa
import tests.e2e.test_oit_flow as m
orig = m.worker
