#!/usr/bin/python3
"""The web UI in a real browser (Debian's chromium, headless, driven by
chromedriver through python3-selenium), as a person would use it.

Two vigils on free ports:
  - the built-in demo: the PodPrivilegedMode alert for payments/ledger-0 is
    listed with its labels, every target is up, a query typed into the box
    (Enter) draws one path per series with a legend and hover values, a
    parse error shows its position, Rules/Alerts links open the Query page,
    the Alerts page prints without navigation; and all of it through a
    proxy that adds a path as `kubectl proxy` does;
  - one under a route prefix (--web.external-url …/vigil/) that scrapes
    itself with a target label `<script>…</script>` and has an alert whose
    annotations hold HTML and a javascript: runbook link: all of it is shown
    as text and no script from the data runs.
Screenshots of every page go to SCREENSHOT_DIR (the test's artifacts).

Usage: web_ui_browser_test.py VIGIL_BINARY SCREENSHOT_DIR
"""

import base64
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

VIGIL = sys.argv[1]
SHOTS = sys.argv[2]
# Pending needs a scrape, a pod list and an evaluation at 15 s intervals
# (demo_test.sh); generous for a loaded 2-core CI machine.
DEMO_DEADLINE_S = 90
WAIT_S = 20
LAPTOP = (1366, 860)
XSS_TARGET = '<script>window.__xss = "target label"</script>'
XSS_ANNOTATION = '<img src=x onerror="window.__xss = \'annotation\'">'


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.load(r)


def wait_for(what, predicate, deadline_s):
    """Polls an observable condition (the server's API) until it holds."""
    end = time.monotonic() + deadline_s
    last = None
    while time.monotonic() < end:
        try:
            if predicate():
                return
        except (OSError, ValueError, KeyError) as e:
            last = e
        time.sleep(0.25)
    raise AssertionError(f'timed out waiting for {what} (last error: {last})')


class Vigil:
    def __init__(self, args, log, port=None):
        self.port = port or free_port()
        self.log = open(log, 'w')
        self.proc = subprocess.Popen(
            [VIGIL, 'run', f'--web.listen-address=127.0.0.1:{self.port}'] + args,
            stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self):
        # Only our own child, by its PID.
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def make_driver():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which('chromium') or '/usr/bin/chromium'
    # CI runs as root in a container without a user namespace sandbox.
    for arg in ('--headless=new', '--no-sandbox', '--disable-gpu',
                '--disable-dev-shm-usage', '--no-first-run',
                '--disable-extensions', '--hide-scrollbars',
                f'--window-size={LAPTOP[0]},{LAPTOP[1]}'):
        options.add_argument(arg)
    options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    service = Service(shutil.which('chromedriver') or '/usr/bin/chromedriver')
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    return driver


def screenshot(driver, name):
    """The whole page at laptop width (the window grows to its height)."""
    height = driver.execute_script(
        'return Math.max(document.body.scrollHeight, '
        'document.documentElement.scrollHeight)')
    driver.set_window_size(LAPTOP[0], min(max(LAPTOP[1], height + 20), 6000))
    path = os.path.join(SHOTS, name + '.png')
    driver.save_screenshot(path)
    driver.set_window_size(*LAPTOP)
    print('screenshot', path)


def wait(driver, what, predicate):
    try:
        return WebDriverWait(driver, WAIT_S).until(lambda d: predicate(d))
    except Exception as e:
        raise AssertionError(f'{what}: {e!r}') from None


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def hover_last_point(driver):
    """Moves the mouse onto the newest samples (the right end of the
    lines): the demo has only minutes of data."""
    svg = driver.find_element(By.CSS_SELECTOR, 'svg.graph')
    box = driver.execute_script(
        'const s = arguments[0].getBoundingClientRect();'
        'let r = -Infinity;'
        'for (const p of arguments[0].querySelectorAll("path.series"))'
        '  r = Math.max(r, p.getBoundingClientRect().right);'
        'return [s.left, s.top, s.width, s.height, r];', svg)
    left, top, width, height, right = box
    # Selenium 4 offsets are from the element's centre.
    ActionChains(driver).move_to_element_with_offset(
        svg, int(right - 2 - (left + width / 2)), 0).perform()


def select_range(driver, value):
    from selenium.webdriver.support.ui import Select
    Select(driver.find_element(By.ID, 'range')).select_by_value(value)


def run_query(driver, expr, tab, error=False):
    """Types `expr` and presses Enter; returns once its result (or error)
    is on the page, not an earlier one."""
    driver.find_element(By.ID, 'tab-' + tab).click()
    box = driver.find_element(By.ID, 'expr')
    box.clear()
    box.send_keys(expr)
    box.send_keys(Keys.ENTER)
    shown = 'error' if error else 'result-' + tab
    wait(driver, f'{expr!r} shown', lambda d: d.find_element(By.ID, shown)
         .get_attribute('data-expr') == expr)


def check_demo(driver, base):
    # Alerts: PodPrivilegedMode for payments/ledger-0, with its labels.
    driver.get(base + '/')
    expect(driver.title == 'Alerts · vigil', driver.title)
    rule = driver.find_element(
        By.XPATH, '//details[.//span[@class="rule-name" and '
        'text()="PodPrivilegedMode"]]')
    expect(rule.get_attribute('open') is not None, 'the active rule is open')
    rows = rule.find_elements(By.CSS_SELECTOR, 'tr.alert')
    expect(len(rows) == 2, f'two containers of ledger-0 alert: {len(rows)}')
    for row in rows:
        labels = row.find_element(By.CSS_SELECTOR, 'td.labels').text
        for want in ('alertname=PodPrivilegedMode', 'namespace=payments',
                     'pod=ledger-0', 'severity=warning'):
            expect(want in labels, f'{want} not in {labels!r}')
        expect(row.find_element(By.CSS_SELECTOR, '.badge').text in
               ('pending', 'firing'), row.text)
    expect('runs in privileged mode' in rule.text, rule.text)
    # Active rules come before inactive ones.
    states = [d.get_attribute('class') for d in
              driver.find_elements(By.CSS_SELECTOR, 'details.rule')]
    ranks = [0 if 'firing' in c else 1 if 'pending' in c else 2 for c in states]
    expect(ranks == sorted(ranks), f'firing first: {states}')
    screenshot(driver, '01-alerts')

    # Printed into a ticket: navigation and filters gone, every rule open.
    driver.execute_script('window.dispatchEvent(new Event("beforeprint"))')
    driver.execute_cdp_cmd('Emulation.setEmulatedMedia', {'media': 'print'})
    expect(not driver.find_element(By.CSS_SELECTOR, 'header nav')
           .is_displayed(), 'no navigation in print')
    expect(all(d.get_attribute('open') is not None for d in
               driver.find_elements(By.CSS_SELECTOR, 'details')),
           'every section open in print')
    screenshot(driver, '09-alerts-print')
    pdf = driver.execute_cdp_cmd('Page.printToPDF', {'printBackground': True})
    with open(os.path.join(SHOTS, 'alerts-print.pdf'), 'wb') as f:
        f.write(base64.b64decode(pdf['data']))
    driver.execute_cdp_cmd('Emulation.setEmulatedMedia', {'media': ''})
    driver.get(base + '/')

    # The label filter narrows to the pod.
    f = driver.find_element(By.NAME, 'label')
    f.send_keys('pod=ledger-0')
    f.submit()
    wait(driver, 'filtered alerts', lambda d: 'label=pod' in d.current_url)
    names = {e.text for e in driver.find_elements(By.CSS_SELECTOR,
                                                  'details.rule .rule-name')}
    expect('PodPrivilegedMode' in names and
           'PodHostNamespaces' not in names, names)

    # From an alert to its expression on the Query page.
    driver.get(base + '/alerts?name=PodPrivilegedMode')
    driver.find_element(By.CSS_SELECTOR, 'a.query-link').click()
    wait(driver, 'query results from the alert link', lambda d: len(
        d.find_elements(By.CSS_SELECTOR, '#result-table td.series')) == 2)
    expect('PodPrivilegedMode' not in driver.find_element(By.ID, 'expr')
           .get_attribute('value'), 'the expression, not the name')

    # Rules. A group that has not run yet shows "unknown": reload until
    # every group has run once (groups start at their own offsets, later on
    # a loaded machine), then every rule must be fine.
    def rule_health(d):
        d.get(base + '/rules')
        return {e.text for e in d.find_elements(
            By.CSS_SELECTOR, 'tr.rule-row .badge')}
    wait(driver, 'every rule group evaluated once',
         lambda d: 'unknown' not in rule_health(d))
    expect('kubernetes-security.pods' in driver.find_element(By.TAG_NAME,
                                                             'main').text,
           'the rule pack group')
    health = rule_health(driver)
    expect(health == {'ok'}, f'every rule evaluated fine: {health}')
    screenshot(driver, '02-rules')

    # An alert's runbook link opens its section of the built-in runbooks.
    driver.get(base + '/alerts?name=PodPrivilegedMode')
    driver.find_element(By.CSS_SELECTOR, 'a.runbook').click()
    wait(driver, 'runbooks page', lambda d: d.current_url.endswith(
        '/runbooks#podprivilegedmode'))
    section = driver.find_element(By.ID, 'podprivilegedmode')
    expect(section.text == 'PodPrivilegedMode', section.text)
    screenshot(driver, '15-runbooks')

    # Targets: all up.
    driver.get(base + '/targets')
    pools = [e.text for e in driver.find_elements(By.CSS_SELECTOR,
                                                  'section.pool h2')]
    expect(len(pools) == 5, pools)
    states = [e.text for e in driver.find_elements(By.CSS_SELECTOR,
                                                   'tr.target .badge')]
    expect(states and all(s == 'up' for s in states), states)
    screenshot(driver, '03-targets')

    # Security overview.
    driver.get(base + '/security')
    posture = driver.find_element(By.ID, 'posture-table').text
    expect('ledger-0' in posture and 'privileged' in posture, posture)
    expect('node-exporter-x7k2p' in posture and 'network, pid' in posture,
           posture)
    by_pod = driver.find_element(By.ID, 'alerts-by-pod').text
    expect('PodPrivilegedMode' in by_pod, by_pod)
    screenshot(driver, '04-security')

    # Query: typed, Enter, one path per series, legend, hover.
    driver.get(base + '/query')
    expr = 'kube_pod_container_status_running'
    # The demo has minutes of data: a short range shows lines, not dots.
    select_range(driver, '5m')
    n = len(get_json(f'{base}/api/v1/query?query={expr}')['data']['result'])
    expect(n >= 5, f'{n} series')
    run_query(driver, expr, 'graph')
    paths = wait(driver, 'graph paths', lambda d: d.find_elements(
        By.CSS_SELECTOR, 'svg.graph path.series') or False)
    expect(len(paths) == n, f'{len(paths)} paths for {n} series')
    legend = driver.find_elements(By.CSS_SELECTOR, '.legend li')
    expect(len(legend) == n, f'{len(legend)} legend entries')
    expect(all(p.get_attribute('d').startswith('M') for p in paths),
           'every path is drawn')
    hover_last_point(driver)
    tip = wait(driver, 'hover tooltip', lambda d: d.find_element(
        By.CSS_SELECTOR, '.tooltip').is_displayed() and d.find_element(
        By.CSS_SELECTOR, '.tooltip'))
    expect('UTC' in tip.text and expr in tip.text, tip.text)
    expect('expr=' + expr in driver.current_url, driver.current_url)
    screenshot(driver, '05-query-graph')

    run_query(driver, 'sum by (namespace) (' + expr + ')', 'table')
    wait(driver, 'table rows', lambda d: len(d.find_elements(
        By.CSS_SELECTOR, '#result-table td.series')) >= 4)
    screenshot(driver, '06-query-table')

    # A parse error says where, under the box.
    run_query(driver, 'sum(rate(up[5m])', 'table', error=True)
    err = wait(driver, 'error box', lambda d: d.find_element(By.ID, 'error')
               .is_displayed() and d.find_element(By.ID, 'error'))
    expect('parse error' in err.text, err.text)
    pos = err.find_element(By.CSS_SELECTOR, 'pre.error-position').text
    expect(pos.splitlines()[0] == 'sum(rate(up[5m])' and
           pos.splitlines()[1].endswith('^'), pos)
    screenshot(driver, '07-query-error')

    # Status.
    driver.get(base + '/status')
    main = driver.find_element(By.TAG_NAME, 'main').text
    for want in ('Version', 'Series', 'Resident memory', '--web.listen-address',
                 'scrape_configs'):
        expect(want in main, f'{want} on Status')
    screenshot(driver, '08-status')


XSS_CONFIG = """global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [{rules}]
scrape_configs:
  - job_name: self
    metrics_path: /vigil/metrics
    static_configs:
      - targets: ['127.0.0.1:{port}']
        labels:
          evil: '{xss}'
"""

XSS_RULES = """groups:
  - name: xss
    rules:
      - alert: XssProbe
        expr: up{{evil!=""}} > 0
        labels:
          severity: info
        annotations:
          summary: {summary}
          description: 'label {{{{ $labels.evil }}}}'
          runbook_url: 'javascript:window.__xss = "runbook"'
"""


def check_xss_under_prefix(driver, base):
    prefix = base + '/vigil'
    # Outside the prefix only the root answers, redirecting into it.
    driver.get(base + '/')
    wait(driver, 'redirect into the prefix',
         lambda d: d.current_url == prefix + '/')
    driver.get(prefix + '/alerts')
    rule = wait(driver, 'XssProbe listed', lambda d: d.find_element(
        By.XPATH, '//details[.//span[@class="rule-name" and '
        'text()="XssProbe"]]'))
    labels = rule.find_element(By.CSS_SELECTOR, 'td.labels').text
    expect('evil=' + XSS_TARGET in labels, labels)
    expect(XSS_ANNOTATION in rule.text, rule.text)
    expect('runbook: javascript:' in rule.text, rule.text)
    screenshot(driver, '11-prefix-alerts-xss')
    check_no_script_ran(driver)

    driver.get(prefix + '/targets')
    labels = driver.find_element(By.CSS_SELECTOR, 'tr.target td.labels').text
    expect('evil=' + XSS_TARGET in labels, labels)
    check_no_script_ran(driver)
    screenshot(driver, '12-prefix-targets-xss')

    # The navigation stays under the prefix.
    driver.find_element(By.LINK_TEXT, 'Query').click()
    wait(driver, 'query page', lambda d: d.current_url ==
         prefix + '/query')
    run_query(driver, 'up', 'graph')
    legend = wait(driver, 'legend', lambda d: d.find_elements(
        By.CSS_SELECTOR, '.legend li') or False)
    # Series are printed as PromQL, with quotes escaped.
    quoted = XSS_TARGET.replace('"', '\\"')
    expect(len(legend) == 1 and quoted in legend[0].text, legend[0].text)
    expect(len(driver.find_elements(By.CSS_SELECTOR,
                                    'svg.graph path.series')) == 1, 'one path')
    check_no_script_ran(driver)
    screenshot(driver, '13-prefix-query-graph-xss')
    run_query(driver, 'up', 'table')
    cell = wait(driver, 'table', lambda d: d.find_element(
        By.CSS_SELECTOR, '#result-table td.series'))
    expect(quoted in cell.text, cell.text)
    check_no_script_ran(driver)
    screenshot(driver, '14-prefix-query-table-xss')

    driver.find_element(By.LINK_TEXT, 'Status').click()
    wait(driver, 'status page', lambda d: d.current_url == prefix + '/status')
    expect('/vigil/' in driver.find_element(By.ID, 'build-info').text,
           'external URL shown')
    # The bare prefix redirects to the UI.
    driver.get(prefix)
    wait(driver, 'landing page', lambda d: d.title == 'Alerts · vigil')
    expect(driver.current_url == prefix + '/', driver.current_url)


# kubectl proxy's path to a service; an ingress that strips its prefix
# looks the same to vigil.
PROXY_PATH = '/api/v1/namespaces/monitoring/services/vigil:9090/proxy'


class StripPrefixProxy:
    """Forwards PROXY_PATH/<rest> to `upstream`/<rest>, as kubectl proxy
    does, and remembers what it forwarded."""

    def __init__(self, upstream):
        self.forwarded = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def forward(self):
                if not self.path.startswith(PROXY_PATH + '/'):
                    self.send_error(404, 'outside the proxied path')
                    return
                rest = self.path[len(PROXY_PATH):]
                proxy.forwarded.append(rest)
                body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
                req = urllib.request.Request(
                    upstream + rest, data=body or None, method=self.command)
                if self.headers.get('Content-Type'):
                    req.add_header('Content-Type', self.headers['Content-Type'])
                try:
                    with urllib.request.urlopen(req, timeout=10) as r:
                        status, headers, data = r.status, r.headers, r.read()
                except urllib.error.HTTPError as e:
                    status, headers, data = e.code, e.headers, e.read()
                self.send_response(status)
                for k in ('Content-Type', 'Content-Security-Policy', 'Location'):
                    if headers.get(k):
                        self.send_header(k, headers[k])
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = forward
            do_POST = forward

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def check_behind_proxy(driver, base):
    proxy = StripPrefixProxy(base)
    try:
        root = f'http://127.0.0.1:{proxy.port}{PROXY_PATH}'
        driver.get(root + '/')
        expect(driver.title == 'Alerts · vigil', driver.title)
        driver.find_element(By.LINK_TEXT, 'Targets').click()
        wait(driver, 'targets through the proxy',
             lambda d: d.current_url == root + '/targets')
        expect(driver.find_elements(By.CSS_SELECTOR, 'tr.target'), 'targets')
        driver.find_element(By.LINK_TEXT, 'Query').click()
        wait(driver, 'query through the proxy',
             lambda d: d.current_url == root + '/query')
        run_query(driver, 'up', 'graph')
        wait(driver, 'graph through the proxy', lambda d: d.find_elements(
            By.CSS_SELECTOR, 'svg.graph path.series') or False)
        # The page's script and its API calls went through the proxy too.
        expect('/static/vigil-ui.js?v=' in ' '.join(proxy.forwarded) and
               '/api/v1/query_range' in proxy.forwarded, proxy.forwarded)
        screenshot(driver, '10-kubectl-proxy-query')
    finally:
        proxy.stop()


def check_no_script_ran(driver):
    expect(driver.execute_script('return window.__xss === undefined'),
           'a script from the data ran: ' +
           str(driver.execute_script('return window.__xss')))
    # Only the UI's own script, and no image from the annotation.
    srcs = driver.execute_script(
        'return Array.from(document.scripts).map(s => s.src)')
    expect(len(srcs) == 1 and '/static/vigil-ui.js' in srcs[0], srcs)
    expect(driver.execute_script('return document.images.length') == 0,
           'an <img> was injected')


def main():
    os.makedirs(SHOTS, exist_ok=True)
    for old in os.listdir(SHOTS):  # no stale pictures among the artifacts
        if old.endswith(('.png', '.pdf')):
            os.remove(os.path.join(SHOTS, old))
    work = tempfile.mkdtemp(prefix='web_ui_browser_')
    demo = Vigil([], os.path.join(work, 'demo.log'))
    xss = None
    driver = None
    ok = False
    try:
        base = f'http://127.0.0.1:{demo.port}'
        # What the browser checks must be there: the alert and the targets.
        wait_for('PodPrivilegedMode for payments/ledger-0', lambda: any(
            a['labels'].get('alertname') == 'PodPrivilegedMode' and
            a['labels'].get('pod') == 'ledger-0'
            for a in get_json(base + '/api/v1/alerts')['data']['alerts']),
            DEMO_DEADLINE_S)
        wait_for('every demo target up', lambda: all(
            t['health'] == 'up' for t in
            get_json(base + '/api/v1/targets')['data']['activeTargets']),
            DEMO_DEADLINE_S)

        port = free_port()
        rules = os.path.join(work, 'xss.rules.yml')
        with open(rules, 'w') as f:
            f.write(XSS_RULES.format(summary=json.dumps(XSS_ANNOTATION)))
        config = os.path.join(work, 'xss.yml')
        with open(config, 'w') as f:
            f.write(XSS_CONFIG.format(rules=json.dumps(rules), port=port,
                                      xss=XSS_TARGET.replace("'", "''")))
        # The config names the port, so the test picks it.
        xss = Vigil([f'--config.file={config}',
                     f'--web.external-url=http://127.0.0.1:{port}/vigil/'],
                    os.path.join(work, 'xss.log'), port=port)
        xbase = f'http://127.0.0.1:{port}'
        wait_for('XssProbe', lambda: any(
            a['labels'].get('alertname') == 'XssProbe' for a in
            get_json(xbase + '/vigil/api/v1/alerts')['data']['alerts']), 30)

        driver = make_driver()
        check_demo(driver, base)
        check_behind_proxy(driver, base)
        check_xss_under_prefix(driver, xbase)
        ok = True
    finally:
        if driver is not None:
            if not ok:
                try:
                    screenshot(driver, '99-failure')
                    for entry in driver.get_log('browser'):
                        print('browser:', entry, file=sys.stderr)
                except Exception:  # the failure itself is what matters
                    pass
            driver.quit()
        for v in (demo, xss):
            if v is not None:
                v.stop()
        if not ok:
            for name in ('demo.log', 'xss.log'):
                p = os.path.join(work, name)
                if os.path.exists(p):
                    print(f'--- {name}', file=sys.stderr)
                    print(open(p).read()[-4000:], file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)
    print('PASS')


if __name__ == '__main__':
    main()
