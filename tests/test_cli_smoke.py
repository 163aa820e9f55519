import subprocess
import sys


def test_python_dash_m_help_teaches_the_tool():
    out = subprocess.run([sys.executable, "-m", "bulkops", "--help"], capture_output=True, text=True, check=True)
    assert "Genesys Cloud" in out.stdout
