/*
 * Cost at your scale, on paper: the projection table's arithmetic, one plain script shared by the
 * report page (inlined before page.js, so the table updates as the reader changes the inputs; no
 * network) and by Node (report/projection.ts runs this same text, so the tests check what the page
 * runs). It defines `globalThis.chatProjection`. A projection is arithmetic on figures this run
 * measured, never a measurement: every cell carries its formula and the range it rests on, and a
 * figure the run did not measure gives "cannot project" with the reason, not a number.
 */
(function (root) {
  'use strict';

  /** The reader's deployment, checked: the error names the field and what is allowed. */
  function checkDeployment(d) {
    if (!(Number.isInteger(d.users) && d.users >= 1 && d.users <= 1e10)) throw new RangeError('users must be a whole number from 1 to 10,000,000,000, got ' + d.users);
    if (!(Number.isInteger(d.roomSize) && d.roomSize >= 1 && d.roomSize <= d.users)) throw new RangeError('room size must be a whole number from 1 to the users (' + d.users + '), got ' + d.roomSize);
    if (!(typeof d.messagesPerUserPerMinute === 'number' && d.messagesPerUserPerMinute > 0 && d.messagesPerUserPerMinute <= 6000)) {
      throw new RangeError('messages per user per minute must be a number above 0 and at most 6,000, got ' + d.messagesPerUserPerMinute);
    }
  }

  /**
   * The numbers: per measured transport, each column's value and its low and high ends (from the
   * figure's range across rounds), or `null` with why. One user is one connected client; every
   * message reaches every member of its room, its author included (as the bench counts deliveries).
   */
  function project(d, measured) {
    checkDeployment(d);
    var messagesPerSecond = (d.users * d.messagesPerUserPerMinute) / 60;
    var deliveriesPerSecond = messagesPerSecond * d.roomSize;
    function scaled(figure, by, factor) {
      if (!figure) return null;
      return { value: by * figure.median * factor, low: by * figure.min * factor, high: by * figure.max * factor, per: figure.median };
    }
    return {
      messagesPerSecond: messagesPerSecond,
      deliveriesPerSecond: deliveriesPerSecond,
      rows: measured.map(function (m) {
        return {
          transport: m.transport,
          cores: scaled(m.figures.cpuUsPerDelivery, deliveriesPerSecond, 1e-6),
          memoryBytes: scaled(m.figures.rssPerClient, d.users, 1),
          requestsPerSecond: scaled(m.figures.requestsPerDelivery, deliveriesPerSecond, 1),
          bytesPerSecond: scaled(m.figures.bytesPerDelivery, deliveriesPerSecond, 1)
        };
      })
    };
  }

  function number(v) {
    if (!isFinite(v)) return '–';
    if (v !== 0 && Math.abs(v) < 0.01) return v.toPrecision(2);
    return v.toLocaleString('en-US', { maximumSignificantDigits: 3 });
  }
  var IEC = [['B', 1], ['KiB', 1024], ['MiB', Math.pow(1024, 2)], ['GiB', Math.pow(1024, 3)], ['TiB', Math.pow(1024, 4)], ['PiB', Math.pow(1024, 5)]];
  function bytes(v) {
    if (!isFinite(v)) return '–';
    var i = 0;
    while (i + 1 < IEC.length && Math.abs(v) >= IEC[i + 1][1]) i++;
    return number(v / IEC[i][1]) + ' ' + IEC[i][0];
  }
  function range(cell, show, unit) {
    return cell.low === cell.high ? '' : ' (' + show(cell.low) + ' – ' + show(cell.high) + unit + ' across rounds)';
  }

  /** The columns: how each is shown and how its arithmetic reads. */
  var COLUMNS = [
    { key: 'cores', head: 'server cores', figure: 'cpuUsPerDelivery', show: function (v) { return number(v) + ' cores'; },
      formula: function (c, p) { return number(p.deliveriesPerSecond) + ' deliveries/s × ' + number(c.per) + ' µs of server CPU each'; } },
    { key: 'memoryBytes', head: 'server memory (connections)', figure: 'rssPerClient', show: bytes,
      formula: function (c, p, d) { return number(d.users) + ' connected clients × ' + bytes(c.per) + ' of RSS each'; } },
    { key: 'requestsPerSecond', head: 'HTTP requests/s', figure: 'requestsPerDelivery', show: function (v) { return number(v) + ' req/s'; },
      formula: function (c, p) { return number(p.deliveriesPerSecond) + ' deliveries/s × ' + number(c.per) + ' requests each'; } },
    { key: 'bytesPerSecond', head: 'bandwidth', figure: 'bytesPerDelivery', show: function (v) { return bytes(v) + '/s'; },
      formula: function (c, p) { return number(p.deliveriesPerSecond) + ' deliveries/s × ' + bytes(c.per) + ' on the wire each'; } }
  ];

  /**
   * The table as text, for the page's script and the report's HTML alike: a head, and per transport
   * its name, the step it rests on, each cell's value with its arithmetic (or why it cannot be
   * projected), and a caveat where the reader's room or rate differs from the measured one.
   */
  function table(d, measured) {
    var p = project(d, measured);
    return {
      totals: number(d.users) + ' users × ' + number(d.messagesPerUserPerMinute) + ' messages/min ÷ 60 = ' + number(p.messagesPerSecond) +
        ' messages/s; × ' + number(d.roomSize) + ' members per room = ' + number(p.deliveriesPerSecond) + ' deliveries/s',
      head: COLUMNS.map(function (c) { return c.head; }),
      rows: measured.map(function (m, i) {
        var row = p.rows[i];
        var caveats = [];
        var ratePerMinute = m.ratePerMember * 60;
        if (m.http && (Math.abs(ratePerMinute - d.messagesPerUserPerMinute) > 1e-9 || m.members !== d.roomSize)) {
          caveats.push('measured with rooms of ' + m.members + ' at ' + number(ratePerMinute) + ' messages/min per member: a poller\u2019s requests, bytes and CPU per delivery change with the room and the rate, so at yours these columns are a rough guide');
        }
        return {
          transport: m.transport,
          name: m.name,
          basis: m.basis,
          caveats: caveats,
          cells: COLUMNS.map(function (c) {
            var cell = row[c.key];
            if (!cell) return { text: 'cannot project', formula: m.missing[c.figure] || 'not measured in this run', missing: true };
            return { text: c.show(cell.value), formula: c.formula(cell, p, d) + ' = ' + c.show(cell.value) + range(cell, c.show, ''), missing: false };
          })
        };
      })
    };
  }

  root.chatProjection = { project: project, table: table, checkDeployment: checkDeployment };
})(globalThis);
