// Writes the demo corpus: six short PDF documents whose text is written for this demo (a
// fictional company's handbook and security policy, a fictional product FAQ, an on-call
// runbook, a short history of lighthouses and a baker's notes). Run once, commit the PDFs:
//
//   npm run make-corpus -w @ragmeter/demo
//
// Standard PDF fonts (not embedded) keep each file a few kilobytes.
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';

interface Section {
  heading: string;
  paragraphs: string[];
}

interface CorpusDocument {
  file: string;
  title: string;
  /** One entry per PDF page. */
  pages: Section[][];
}

const CORPUS: CorpusDocument[] = [
  {
    file: 'northwind-employee-handbook.pdf',
    title: 'Northwind Robotics Employee Handbook',
    pages: [
      [
        {
          heading: 'Welcome',
          paragraphs: [
            'Northwind Robotics builds warehouse robots that pick, pack and sort parcels. This handbook explains how we work together. It applies to every employee in the Lisbon, Leeds and Toronto offices.',
            'If a rule in this handbook is unclear, ask your manager or write to people@northwind.example. We review the handbook every January.',
          ],
        },
        {
          heading: 'Working hours and remote work',
          paragraphs: [
            'Our core hours are 10:00 to 15:00 in your local time zone. Outside core hours you plan your own day. Meetings are not scheduled on Friday afternoons.',
            'Employees may work remotely up to three days per week. Teams that run the robot test floor agree a rota so that two engineers are on site every weekday. Fully remote contracts need approval from a director.',
          ],
        },
      ],
      [
        {
          heading: 'Paid time off',
          paragraphs: [
            'Every employee receives 25 days of paid time off per calendar year, plus public holidays. After each full year of service you gain one extra day, up to a maximum of 30 days.',
            'Up to five unused days may be carried over into the first quarter of the next year. Book time off in the HR portal at least two weeks ahead for absences longer than three days.',
          ],
        },
        {
          heading: 'Sick leave and parental leave',
          paragraphs: [
            'Sick leave is not counted against paid time off. Tell your manager on the first morning of absence. A doctor\'s note is needed after five consecutive working days.',
            'Parents receive 20 weeks of fully paid parental leave, which can be taken in up to three blocks during the first two years after a birth or adoption.',
          ],
        },
      ],
      [
        {
          heading: 'Equipment',
          paragraphs: [
            'New employees choose a laptop on their first day. Laptops are replaced every three years, or sooner if they fail. Remote employees receive a one-time home office stipend of 600 euros for a desk, chair or monitor.',
          ],
        },
        {
          heading: 'Expenses and travel',
          paragraphs: [
            'Submit expense claims in Ledgerly within 30 days of the purchase, with a photo of the receipt. Claims are reimbursed with the next monthly salary.',
            'When travelling for work, meals are covered up to 40 euros per day. Book trains for journeys under four hours. Flights must be economy class and booked through the travel desk.',
          ],
        },
      ],
    ],
  },
  {
    file: 'lumen-lamp-faq.pdf',
    title: 'Lumen L2 Desk Lamp: Frequently Asked Questions',
    pages: [
      [
        {
          heading: 'Power and battery',
          paragraphs: [
            'The Lumen L2 charges over USB-C and needs a charger of at least 30 watts. A full charge takes about two and a half hours.',
            'The built-in 4,000 mAh battery lasts about nine hours at half brightness and about four hours at full brightness. The ring around the base glows amber while charging and turns green when the battery is full.',
          ],
        },
        {
          heading: 'Light quality',
          paragraphs: [
            'The colour temperature can be set from warm 2700 K to cool 6500 K by turning the dial. Maximum brightness is 800 lumens. The LEDs have a colour rendering index (CRI) of 95, and the lamp does not flicker at any brightness.',
          ],
        },
      ],
      [
        {
          heading: 'App and firmware',
          paragraphs: [
            'Pair the lamp with the Lumen Home app over Bluetooth to set schedules and scenes. Firmware updates are installed from the app and take about three minutes. Keep the lamp plugged in during an update.',
            'To reset the lamp to factory settings, hold the dial down for ten seconds until the light blinks twice. A reset removes schedules and pairings.',
          ],
        },
        {
          heading: 'Troubleshooting',
          paragraphs: [
            'If the lamp does not turn on, charge it for fifteen minutes and try again. If the light flickers after a fall, the LED panel may be loose; contact support instead of opening the lamp.',
          ],
        },
      ],
      [
        {
          heading: 'Warranty and returns',
          paragraphs: [
            'The Lumen L2 comes with a three-year limited warranty that covers defects in materials and workmanship. The battery is covered for two years or 500 charge cycles, whichever comes first.',
            'Unused lamps can be returned within 60 days of delivery for a full refund. Replacement shades and bases can be ordered from the Lumen store.',
          ],
        },
      ],
    ],
  },
  {
    file: 'payments-oncall-runbook.pdf',
    title: 'Payments API On-call Runbook',
    pages: [
      [
        {
          heading: 'Severity levels',
          paragraphs: [
            'SEV1: card payments fail for more than 5 percent of requests, or the API is down. Page the incident commander at once and post on the status page within 15 minutes.',
            'SEV2: latency or error rates are above their objectives but payments succeed. Open an incident channel and update it every 30 minutes. SEV3: a single merchant is affected; handle it during business hours.',
          ],
        },
        {
          heading: 'Escalation',
          paragraphs: [
            'The primary on-call engineer acknowledges a page within 5 minutes. If the page is not acknowledged, it escalates to the secondary after 10 minutes and to the engineering manager after 20 minutes.',
          ],
        },
      ],
      [
        {
          heading: 'Alert: high p99 latency',
          paragraphs: [
            'Check the database connection pool first. The pool allows at most 200 connections per region; when it is saturated, requests queue and the p99 latency grows. Check replication lag on the ledger replica next; lag above 30 seconds means reads are stale.',
          ],
        },
        {
          heading: 'Alert: 5xx error spike',
          paragraphs: [
            'Look at the deploy log. Most error spikes start within ten minutes of a deploy. If the card network returns timeouts, switch traffic to the backup acquirer with the feature flag payments.backup_acquirer.',
          ],
        },
      ],
      [
        {
          heading: 'Rolling back a deploy',
          paragraphs: [
            'To roll back the payments API, run: deployctl rollback payments-api --to previous. A rollback takes about four minutes per region and does not need approval during an incident.',
            'Database migrations are not rolled back automatically. If the bad deploy included a migration, ask the database owner before rolling back.',
          ],
        },
        {
          heading: 'After the incident',
          paragraphs: [
            'Write a blameless post-incident review within five business days of every SEV1 and SEV2. List the timeline, the impact on merchants and the follow-up actions with owners.',
          ],
        },
      ],
    ],
  },
  {
    file: 'lighthouse-history.pdf',
    title: 'A Short History of Lighthouses',
    pages: [
      [
        {
          heading: 'Fires on the shore',
          paragraphs: [
            'For most of history, sailors were guided into harbour by fires lit on hills and towers. The most famous ancient lighthouse was the Pharos of Alexandria, built on an island off the Egyptian coast under the first two Ptolemaic kings and finished around 280 BC.',
            'The Pharos was counted among the Seven Wonders of the Ancient World. Earthquakes damaged it over the centuries, and by the fourteenth century it was a ruin.',
          ],
        },
        {
          heading: 'Roman towers',
          paragraphs: [
            'The Romans built lighthouses at many of their ports. The Tower of Hercules at A Coruna in Spain dates from the first century AD. It was restored in the eighteenth century and is still a working lighthouse today.',
          ],
        },
      ],
      [
        {
          heading: 'The Eddystone lighthouses',
          paragraphs: [
            'The Eddystone rocks, south of Plymouth, wrecked many ships. Henry Winstanley built the first lighthouse there in 1698. The Great Storm of 1703 swept it away while Winstanley was inside.',
            'A timber tower by John Rudyard followed in 1709 and burned down in 1755. John Smeaton then built a tower of interlocking granite blocks bound with hydraulic lime, finished in 1759. When the rock beneath it began to erode, a new tower by James Douglass replaced it in 1882, and the upper part of Smeaton\'s tower was rebuilt on Plymouth Hoe.',
          ],
        },
      ],
      [
        {
          heading: 'The Fresnel lens',
          paragraphs: [
            'In 1822 the French physicist Augustin-Jean Fresnel described a lens made of concentric rings of glass prisms. It bent far more of the lamp\'s light into a horizontal beam than the mirrors used before, and it was much thinner and lighter than a solid lens.',
            'The first Fresnel lens was installed in the Cordouan lighthouse in France in 1823. Within a few decades such lenses were used around the world.',
          ],
        },
        {
          heading: 'Automation',
          paragraphs: [
            'Electric lamps and automatic controls made resident keepers unnecessary during the twentieth century. In the United Kingdom the last manned lighthouse, North Foreland in Kent, was automated in 1998.',
          ],
        },
      ],
    ],
  },
  {
    file: 'northwind-security-policy.pdf',
    title: 'Northwind Robotics Security and Data Retention Policy',
    pages: [
      [
        {
          heading: 'Accounts and access',
          paragraphs: [
            'Passwords must have a minimum length of 14 characters and be unique to each system. Use the company password manager. Hardware security keys are required to access production systems and the source code host.',
            'Managers review their team\'s access every quarter. Access is removed on an employee\'s last working day.',
          ],
        },
      ],
      [
        {
          heading: 'Data retention',
          paragraphs: [
            'Application logs are retained for 30 days and then deleted. Audit logs are retained for one year. Logs must never contain passwords, payment card numbers or customer addresses.',
            'Customer data is deleted within 30 days after a contract ends, unless the customer asks for an export first. Backups are encrypted with AES-256 and kept for 35 days.',
          ],
        },
      ],
      [
        {
          heading: 'Reporting security incidents',
          paragraphs: [
            'Report a suspected breach or a phishing attempt to security@northwind.example within one hour of noticing it. Do not try to investigate on your own.',
            'Laptops use full disk encryption. Report a lost or stolen device within 24 hours so that it can be wiped remotely.',
          ],
        },
      ],
    ],
  },
  {
    file: 'sourdough-notes.pdf',
    title: 'Sourdough Bread: A Baker\'s Notes',
    pages: [
      [
        {
          heading: 'The starter',
          paragraphs: [
            'A sourdough starter is a culture of wild yeast and lactic acid bacteria living in a paste of flour and water. Feed it once a day with equal weights of starter, flour and water.',
            'A healthy starter doubles in volume within four to eight hours after feeding and smells pleasantly sour. Use it for baking when it is near its peak.',
          ],
        },
      ],
      [
        {
          heading: 'Mixing and fermentation',
          paragraphs: [
            'A good first loaf uses 75 percent hydration: 750 grams of water for every kilogram of flour, with 2 percent salt and 20 percent starter.',
            'Bulk fermentation takes four to six hours at 24 degrees Celsius. During the first two hours, give the dough a set of stretch and folds every 30 minutes. Shape the loaf, then proof it in the fridge overnight.',
          ],
        },
      ],
      [
        {
          heading: 'Baking',
          paragraphs: [
            'The right oven temperature matters more than anything else. Preheat the oven with a Dutch oven inside to 250 degrees Celsius. Bake with the lid on for 20 minutes, then remove the lid, lower the oven to 230 degrees and bake for another 20 to 25 minutes.',
            'The bread is done when the crust is deep brown and the inside reaches 96 degrees. Let it cool for an hour before slicing, because the crumb is still setting.',
          ],
        },
      ],
    ],
  },
];

/** A fixed date keeps the generated files identical from run to run. */
const CREATED = new Date('2025-01-15T09:00:00Z');

function writePdf(document: CorpusDocument, path: string): Promise<void> {
  const pdf = new PDFDocument({
    size: 'A4',
    margin: 56,
    info: { Title: document.title, Author: 'ragmeter demo corpus', CreationDate: CREATED, ModDate: CREATED },
  });
  const done = new Promise<void>((resolve, reject) => {
    const out = createWriteStream(path);
    out.on('finish', resolve);
    out.on('error', reject);
    pdf.pipe(out);
  });
  document.pages.forEach((sections, pageIndex) => {
    if (pageIndex > 0) pdf.addPage();
    if (pageIndex === 0) pdf.font('Helvetica-Bold').fontSize(18).text(document.title).moveDown();
    for (const section of sections) {
      pdf.font('Helvetica-Bold').fontSize(13).text(section.heading).moveDown(0.3);
      for (const paragraph of section.paragraphs) {
        pdf.font('Helvetica').fontSize(11).text(paragraph, { lineGap: 2 }).moveDown(0.6);
      }
      pdf.moveDown(0.4);
    }
  });
  pdf.end();
  return done;
}

async function main(): Promise<void> {
  const dir = join(__dirname, '..', 'corpus');
  await mkdir(dir, { recursive: true });
  for (const document of CORPUS) await writePdf(document, join(dir, document.file));
  let total = 0;
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.pdf')).sort()) {
    const { size } = await stat(join(dir, file));
    total += size;
    console.log(`${file.padEnd(36)} ${(size / 1024).toFixed(1).padStart(6)} KB`);
  }
  console.log(`${'total'.padEnd(36)} ${(total / 1024).toFixed(1).padStart(6)} KB`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
