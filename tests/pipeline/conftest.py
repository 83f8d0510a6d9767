"""A Ray instance and an S3-compatible server on loopback, one each for the whole session.

The server (moto's) starts first: Ray's workers take the process's environment, with the
AWS variables pointing at it, when Ray starts them.
"""

from __future__ import annotations

import logging
import os

import pytest

BUCKET = "tracesift-tests"
OBJECT_STORE_BYTES = 300 << 20


@pytest.fixture(scope="session")
def s3_endpoint():
    """The URL of a moto S3 server on 127.0.0.1 with one bucket, the AWS variables set to reach it."""
    server_module = pytest.importorskip("moto.server", reason="the object-storage tests need moto[server] "
                                                              "(pip install '.[test]')")
    import pyarrow.fs as pafs

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    saved = {name: os.environ.get(name) for name in _AWS}
    os.environ.update({**_AWS, "AWS_ENDPOINT_URL": endpoint})
    pafs.S3FileSystem(endpoint_override=endpoint, allow_bucket_creation=True).create_dir(BUCKET)
    yield endpoint
    server.stop()
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


_AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": "", "AWS_EC2_METADATA_DISABLED": "true"}


@pytest.fixture
def s3_prefix(s3_endpoint, request) -> str:
    """A fresh prefix in the test bucket, as an ``s3://`` URL."""
    name = request.node.name.replace("[", "-").replace("]", "")
    return f"s3://{BUCKET}/{name}-{os.getpid()}-{id(request)}"


@pytest.fixture(scope="session")
def ray_address(s3_endpoint):
    """The address of a two-CPU Ray instance started for the session (and shut down after it)."""
    ray = pytest.importorskip("ray", reason="the Ray engine's tests need ray (pip install '.[test]')")
    os.environ.update({"RAY_worker_niceness": "0"})  # Ray's default (15) starves its workers on a busy machine
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=OBJECT_STORE_BYTES, log_to_driver=False,
             configure_logging=False)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()
